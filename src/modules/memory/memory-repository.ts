import { and, desc, eq, getTableColumns, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page, type PageOf } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { sessions } from '../conversations/conversation-tables.ts';
import { type MemoryScope, memories } from './memory-tables.ts';

const { searchVector: _searchVector, ...memoryColumns } = getTableColumns(memories);

/** Every column a reader sees: the search vector stays in the database. */
export { memoryColumns };

/** A memory as it is read. */
export type MemoryRecord = Omit<typeof memories.$inferSelect, 'searchVector'>;

/**
 * When a memory was last used: stored, restated, edited or recalled. Recency and retention count
 * from it; `memories_agent_namespace_used_idx` indexes the same expression.
 */
export const lastUsedAt = () =>
  sql<Date>`greatest(${memories.createdAt}, ${memories.updatedAt}, ${memories.lastAccessedAt})`.mapWith(
    memories.createdAt,
  );

export interface MemoryFilters {
  scope?: MemoryScope | undefined;
  namespace?: string | undefined;
  /** The end user of user memories and of thread memories of their sessions. */
  userId?: string | undefined;
  sessionId?: string | undefined;
  kind?: string | undefined;
  /** Full-text search of the content (web search syntax: words, "a phrase", -excluded). */
  search?: string | undefined;
}

const ofAgent = (scope: TenantScope, agentId: string) =>
  and(inScope(memories.organizationId, scope), eq(memories.agentId, agentId));

/** The agent's memories matching the filters, newest first. */
export function listMemories(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  filters: MemoryFilters,
  page: Page,
): Promise<PageOf<MemoryRecord>> {
  const conditions: (SQL | undefined)[] = [ofAgent(scope, agentId)];
  if (filters.scope) conditions.push(eq(memories.scope, filters.scope));
  if (filters.namespace) conditions.push(eq(memories.namespace, filters.namespace));
  if (filters.userId) conditions.push(eq(memories.userId, filters.userId));
  if (filters.sessionId) conditions.push(eq(memories.sessionId, filters.sessionId));
  if (filters.kind) conditions.push(eq(memories.kind, filters.kind));
  if (filters.search) {
    conditions.push(sql`${memories.searchVector} @@ websearch_to_tsquery('english', ${filters.search})`);
  }
  return listPage(
    db,
    memories,
    and(...conditions),
    [desc(memories.createdAt), desc(memories.id)],
    page,
    memoryColumns,
  );
}

export async function findMemory(
  db: Executor,
  scope: TenantScope,
  memoryId: string,
): Promise<MemoryRecord | undefined> {
  const [row] = await db
    .select(memoryColumns)
    .from(memories)
    .where(and(inScope(memories.organizationId, scope), eq(memories.id, memoryId)));
  return row;
}

/**
 * Unscoped: the organization of a memory, to tell "another organization's" (403) from "missing"
 * (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findMemoryOrganization(db: Executor, memoryId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ organizationId: memories.organizationId })
    .from(memories)
    .where(eq(memories.id, memoryId));
  return row?.organizationId;
}

/** The memory holding a statement in a namespace (same content key), if any. */
export async function findMemoryByKey(
  db: Executor,
  scope: TenantScope,
  key: { agentId: string; namespace: string; contentKey: string },
): Promise<string | undefined> {
  const [row] = await db
    .select({ id: memories.id })
    .from(memories)
    .where(
      and(
        ofAgent(scope, key.agentId),
        eq(memories.namespace, key.namespace),
        eq(memories.contentKey, key.contentKey),
      ),
    );
  return row?.id;
}

export async function updateMemory(
  db: Executor,
  scope: TenantScope,
  memoryId: string,
  changes: Partial<Pick<MemoryRecord, 'content' | 'contentKey' | 'kind' | 'metadata'>>,
): Promise<MemoryRecord | undefined> {
  const [row] = await db
    .update(memories)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(inScope(memories.organizationId, scope), eq(memories.id, memoryId)))
    .returning(memoryColumns);
  return row;
}

export async function deleteMemory(db: Executor, scope: TenantScope, memoryId: string): Promise<boolean> {
  const deleted = await db
    .delete(memories)
    .where(and(inScope(memories.organizationId, scope), eq(memories.id, memoryId)))
    .returning({ id: memories.id });
  return deleted.length > 0;
}

/**
 * Deletes everything the agent remembers of an end user: their user memories and the thread
 * memories of their sessions (by the user the memory names, and by the sessions, deleted ones
 * included, that name the user). Returns how many were deleted.
 */
export async function forgetUser(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  userId: string,
): Promise<number> {
  const userSessions = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        inScope(sessions.organizationId, scope),
        eq(sessions.agentId, agentId),
        eq(sessions.userId, userId),
      ),
    );
  const deleted = await db
    .delete(memories)
    .where(
      and(
        ofAgent(scope, agentId),
        or(
          eq(memories.userId, userId),
          and(eq(memories.scope, 'thread'), inArray(memories.sessionId, userSessions)),
        ),
      ),
    )
    .returning({ id: memories.id });
  return deleted.length;
}

import { and, desc, eq, getTableColumns, ilike, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { escapeLike } from '../../platform/db/like-pattern.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { mcpServers, type ToolRow, tools } from './tool-tables.ts';

export type { ToolRow };
export type ToolInsert = typeof tools.$inferInsert;
export type ToolChange = Partial<
  Pick<
    ToolRow,
    | 'name'
    | 'description'
    | 'inputSchema'
    | 'enabled'
    | 'metadata'
    | 'http'
    | 'secretHeadersCiphertext'
    | 'secretHeaderNames'
    | 'retryConfig'
    | 'circuitBreakerConfig'
  >
>;

export interface ToolFilters {
  kind?: ToolRow['kind'] | undefined;
  enabled?: boolean | undefined;
  mcpServerId?: string | undefined;
  search?: string | undefined;
}

/** A tool with what its MCP server adds: its name, and whether the tool may be offered now. */
export type UsableToolRow = ToolRow & { mcpServerName: string | null };

const live = (scope: TenantScope) => and(inScope(tools.organizationId, scope), isNull(tools.deletedAt));

/** An http tool, or an MCP tool whose server is live and enabled: the tool itself may still be disabled. */
const serverAllows = or(
  eq(tools.kind, 'http'),
  and(eq(mcpServers.enabled, true), isNull(mcpServers.deletedAt)),
) as SQL;

export async function insertTool(tx: Executor, row: ToolInsert) {
  const [inserted] = await tx.insert(tools).values(row).returning();
  return inserted as ToolRow;
}

export async function findTool(db: Executor, scope: TenantScope, toolId: string) {
  const [row] = await db
    .select()
    .from(tools)
    .where(and(live(scope), eq(tools.id, toolId)));
  return row;
}

/** A live tool of the scope, locked until the transaction ends: the write path. */
export async function lockTool(tx: Executor, scope: TenantScope, toolId: string) {
  const [row] = await tx
    .select()
    .from(tools)
    .where(and(live(scope), eq(tools.id, toolId)))
    .for('update');
  return row;
}

/** Unscoped: the organization of a live tool, for `requireInScope`'s 403 versus 404. */
export async function findToolOrganization(db: Executor, toolId: string) {
  const [row] = await db
    .select({ organizationId: tools.organizationId })
    .from(tools)
    .where(and(eq(tools.id, toolId), isNull(tools.deletedAt)));
  return row?.organizationId;
}

/** Newest first. */
export async function listTools(db: Executor, scope: TenantScope, filters: ToolFilters, page: Page) {
  const conditions = [live(scope)];
  if (filters.kind) conditions.push(eq(tools.kind, filters.kind));
  if (filters.enabled !== undefined) conditions.push(eq(tools.enabled, filters.enabled));
  if (filters.mcpServerId) conditions.push(eq(tools.mcpServerId, filters.mcpServerId));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(tools.name, pattern), ilike(tools.description, pattern)) as SQL);
  }
  return listPage(db, tools, and(...conditions), [desc(tools.createdAt), desc(tools.id)], page);
}

export async function updateTool(tx: Executor, scope: TenantScope, toolId: string, change: ToolChange) {
  const [row] = await tx
    .update(tools)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(live(scope), eq(tools.id, toolId)))
    .returning();
  return row as ToolRow;
}

/** Soft delete; the sealed headers go too, since nothing may use them any more. */
export async function softDeleteTool(tx: Executor, scope: TenantScope, toolId: string) {
  const [row] = await tx
    .update(tools)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()`, secretHeadersCiphertext: null })
    .where(and(live(scope), eq(tools.id, toolId)))
    .returning({ id: tools.id });
  return row;
}

/**
 * The organization's tools a turn may offer (enabled, and for MCP tools a live, enabled server),
 * with their server's name: one indexed query, prepared once (read when a process's cache misses).
 */
export function prepareUsableTools(db: Database) {
  const statement = db
    .select({ ...getTableColumns(tools), mcpServerName: mcpServers.name })
    .from(tools)
    .leftJoin(mcpServers, eq(mcpServers.id, tools.mcpServerId))
    .where(
      and(
        eq(tools.organizationId, sql.placeholder('organizationId')),
        isNull(tools.deletedAt),
        eq(tools.enabled, true),
        serverAllows,
      ),
    )
    .orderBy(tools.createdAt, tools.id)
    .prepare('usable_tools');
  return async (scope: TenantScope): Promise<UsableToolRow[]> =>
    statement.execute({ organizationId: scope.organizationId });
}

/** Of `names` (exact spelling), those the scope has a live tool of, and whether it may be offered. */
export async function findToolsNamed(db: Executor, scope: TenantScope, names: readonly string[]) {
  if (names.length === 0) return [];
  return db
    .select({
      name: tools.name,
      usable: sql<boolean>`(${tools.enabled} and coalesce(${serverAllows}, false))`,
    })
    .from(tools)
    .leftJoin(mcpServers, eq(mcpServers.id, tools.mcpServerId))
    .where(and(live(scope), inArray(tools.name, [...names])));
}

/** The scope's live http tools, for the external services listing. */
export async function listHttpTools(db: Executor, scope: TenantScope) {
  return db
    .select({ id: tools.id, name: tools.name, http: tools.http, enabled: tools.enabled })
    .from(tools)
    .where(and(live(scope), eq(tools.kind, 'http')))
    .orderBy(tools.createdAt, tools.id);
}

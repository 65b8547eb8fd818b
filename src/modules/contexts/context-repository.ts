import { and, asc, count, desc, eq, isNull, lt, min, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agents } from '../agents/agent-tables.ts';
import {
  agentContextShares,
  agentContexts,
  agentContextVersions,
  type ContextAccess,
} from './context-tables.ts';

export type ContextRow = typeof agentContexts.$inferSelect;
export type ContextVersionRow = typeof agentContextVersions.$inferSelect;
export type ContextShareRow = typeof agentContextShares.$inferSelect;

/** A context as an agent sees it: its own (`owner`) or shared with it, with the current data. */
export interface ReadableContext {
  context: ContextRow;
  access: 'owner' | ContextAccess;
  data: Record<string, unknown>;
}

/** Contexts whose owning agent is not deleted: an archived agent's contexts disappear with it. */
const ownerLive = isNull(agents.deletedAt);
const ownerJoin = eq(agents.id, agentContexts.agentId);
const inContextScope = (scope: TenantScope) =>
  inScope(agentContexts.organizationId, scope, agentContexts.projectId);

/** Undefined when the agent already has a context of that name (the unique index). */
export async function insertContext(tx: Executor, row: typeof agentContexts.$inferInsert) {
  const [inserted] = await tx.insert(agentContexts).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findContextByName(db: Executor, scope: TenantScope, agentId: string, name: string) {
  const [row] = await db
    .select({ context: agentContexts })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .where(
      and(inContextScope(scope), ownerLive, eq(agentContexts.agentId, agentId), eq(agentContexts.name, name)),
    );
  return row?.context;
}

export async function findContext(db: Executor, scope: TenantScope, contextId: string) {
  const [row] = await db
    .select({ context: agentContexts })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .where(and(inContextScope(scope), ownerLive, eq(agentContexts.id, contextId)));
  return row?.context;
}

/** The context with its current data, in one read (a version is never pruned while current). */
export async function findCurrent(db: Executor, scope: TenantScope, contextId: string) {
  const [row] = await db
    .select({ context: agentContexts, data: agentContextVersions.data })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .innerJoin(
      agentContextVersions,
      and(
        eq(agentContextVersions.contextId, agentContexts.id),
        eq(agentContextVersions.version, agentContexts.currentVersion),
      ),
    )
    .where(and(inContextScope(scope), ownerLive, eq(agentContexts.id, contextId)));
  return row;
}

/** The context locked until the transaction ends (its owner's row is not): writes to it take turns. */
export async function lockContext(tx: Executor, scope: TenantScope, contextId: string) {
  const [row] = await tx
    .select({ context: agentContexts })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .where(and(inContextScope(scope), ownerLive, eq(agentContexts.id, contextId)))
    .for('update', { of: agentContexts });
  return row?.context;
}

/**
 * Unscoped: the organization of a context whose owner is live, to tell "another organization's"
 * (403) from "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findContextOrganization(db: Executor, contextId: string) {
  const [row] = await db
    .select({ organizationId: agentContexts.organizationId })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .where(and(ownerLive, eq(agentContexts.id, contextId)));
  return row?.organizationId;
}

export async function insertVersion(tx: Executor, row: typeof agentContextVersions.$inferInsert) {
  await tx.insert(agentContextVersions).values(row);
}

export async function setCurrentVersion(tx: Executor, contextId: string, version: number, at: Date) {
  const [row] = await tx
    .update(agentContexts)
    .set({ currentVersion: version, updatedAt: at })
    .where(eq(agentContexts.id, contextId))
    .returning();
  return row as ContextRow;
}

/** Deletes the versions older than `oldestKept`. */
export async function pruneVersions(tx: Executor, scope: TenantScope, contextId: string, oldestKept: number) {
  await tx
    .delete(agentContextVersions)
    .where(
      and(
        inScope(agentContextVersions.organizationId, scope),
        eq(agentContextVersions.contextId, contextId),
        lt(agentContextVersions.version, oldestKept),
      ),
    );
}

export async function findVersion(db: Executor, scope: TenantScope, contextId: string, version: number) {
  const [row] = await db
    .select()
    .from(agentContextVersions)
    .where(
      and(
        inScope(agentContextVersions.organizationId, scope),
        eq(agentContextVersions.contextId, contextId),
        eq(agentContextVersions.version, version),
      ),
    );
  return row;
}

export async function oldestVersion(db: Executor, scope: TenantScope, contextId: string) {
  const [row] = await db
    .select({ value: min(agentContextVersions.version) })
    .from(agentContextVersions)
    .where(
      and(inScope(agentContextVersions.organizationId, scope), eq(agentContextVersions.contextId, contextId)),
    );
  return row?.value ?? null;
}

const versionColumns = {
  id: agentContextVersions.id,
  organizationId: agentContextVersions.organizationId,
  contextId: agentContextVersions.contextId,
  version: agentContextVersions.version,
  changeType: agentContextVersions.changeType,
  changeDescription: agentContextVersions.changeDescription,
  restoredVersion: agentContextVersions.restoredVersion,
  createdByUserId: agentContextVersions.createdByUserId,
  createdByApiKeyId: agentContextVersions.createdByApiKeyId,
  createdByAgentId: agentContextVersions.createdByAgentId,
  createdByRunId: agentContextVersions.createdByRunId,
  createdAt: agentContextVersions.createdAt,
};

/** Newest first; the data only when asked for (a page of large documents is costly to read). */
export async function listVersions(
  db: Executor,
  scope: TenantScope,
  contextId: string,
  page: Page,
  includeData: boolean,
) {
  const where = and(
    inScope(agentContextVersions.organizationId, scope),
    eq(agentContextVersions.contextId, contextId),
  );
  const order = [desc(agentContextVersions.version)];
  const columns = includeData ? { ...versionColumns, data: agentContextVersions.data } : versionColumns;
  return listPage(db, agentContextVersions, where, order, page, columns);
}

/** The deleted context, undefined when there was none; its versions and shares cascade. */
export async function deleteContext(tx: Executor, scope: TenantScope, contextId: string) {
  const [row] = await tx
    .delete(agentContexts)
    .where(and(inContextScope(scope), eq(agentContexts.id, contextId)))
    .returning();
  return row;
}

/** The agent's own contexts and those shared with it (`access` says which), newest first. */
export async function listAgentContexts(db: Executor, scope: TenantScope, agentId: string, page: Page) {
  const shareJoin = and(
    eq(agentContextShares.contextId, agentContexts.id),
    eq(agentContextShares.agentId, agentId),
  );
  const where = and(
    inContextScope(scope),
    ownerLive,
    or(eq(agentContexts.agentId, agentId), eq(agentContextShares.agentId, agentId)),
  );
  const rows = db
    .select({ context: agentContexts, access: agentContextShares.access })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .leftJoin(agentContextShares, shareJoin)
    .where(where)
    .orderBy(desc(agentContexts.createdAt), desc(agentContexts.id))
    .limit(page.limit)
    .offset(page.offset);
  const total = db
    .select({ value: count() })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .leftJoin(agentContextShares, shareJoin)
    .where(where);
  const [pageRows, [counted]] = await Promise.all([rows, total]);
  return {
    rows: pageRows.map(({ context, access }) => ({
      context,
      access: context.agentId === agentId ? ('owner' as const) : (access ?? 'read'),
    })),
    total: counted?.value ?? 0,
  };
}

/**
 * What an agent may read, with each context's current data: its own contexts and those shared
 * with it, of live owners, most recently written first. `name` narrows to one name, the agent's
 * own context first, then shared ones in the order they were shared.
 */
export async function readableContexts(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  options: { name?: string; limit: number },
): Promise<ReadableContext[]> {
  const conditions: (SQL | undefined)[] = [
    inContextScope(scope),
    ownerLive,
    or(eq(agentContexts.agentId, agentId), eq(agentContextShares.agentId, agentId)),
  ];
  if (options.name !== undefined) conditions.push(eq(agentContexts.name, options.name));
  const order =
    options.name !== undefined
      ? [desc(eq(agentContexts.agentId, agentId)), asc(agentContextShares.createdAt)]
      : [desc(agentContexts.updatedAt), desc(agentContexts.id)];
  const rows = await db
    .select({ context: agentContexts, access: agentContextShares.access, data: agentContextVersions.data })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .innerJoin(
      agentContextVersions,
      and(
        eq(agentContextVersions.contextId, agentContexts.id),
        eq(agentContextVersions.version, agentContexts.currentVersion),
      ),
    )
    .leftJoin(
      agentContextShares,
      and(eq(agentContextShares.contextId, agentContexts.id), eq(agentContextShares.agentId, agentId)),
    )
    .where(and(...conditions))
    .orderBy(...order)
    .limit(options.limit);
  return rows.map(({ context, access, data }) => ({
    context,
    access: context.agentId === agentId ? 'owner' : (access ?? 'read'),
    data,
  }));
}

export async function upsertShare(tx: Executor, row: typeof agentContextShares.$inferInsert) {
  const [share] = await tx
    .insert(agentContextShares)
    .values(row)
    .onConflictDoUpdate({
      target: [agentContextShares.contextId, agentContextShares.agentId],
      set: { access: row.access },
    })
    .returning();
  return share as ContextShareRow;
}

export async function deleteShare(tx: Executor, scope: TenantScope, contextId: string, agentId: string) {
  const [row] = await tx
    .delete(agentContextShares)
    .where(
      and(
        inScope(agentContextShares.organizationId, scope),
        eq(agentContextShares.contextId, contextId),
        eq(agentContextShares.agentId, agentId),
      ),
    )
    .returning();
  return row;
}

/** Shares with live agents, oldest first. */
export async function listShares(db: Executor, scope: TenantScope, contextId: string, page: Page) {
  const where = and(
    inScope(agentContextShares.organizationId, scope),
    eq(agentContextShares.contextId, contextId),
    isNull(agents.deletedAt),
  );
  const rows = db
    .select({ share: agentContextShares })
    .from(agentContextShares)
    .innerJoin(agents, eq(agents.id, agentContextShares.agentId))
    .where(where)
    .orderBy(asc(agentContextShares.createdAt), asc(agentContextShares.agentId))
    .limit(page.limit)
    .offset(page.offset);
  const total = db
    .select({ value: count() })
    .from(agentContextShares)
    .innerJoin(agents, eq(agents.id, agentContextShares.agentId))
    .where(where);
  const [pageRows, [counted]] = await Promise.all([rows, total]);
  return { rows: pageRows.map(({ share }) => share), total: counted?.value ?? 0 };
}

/** How a context is shared with an agent; undefined when it is not. */
export async function shareAccess(db: Executor, scope: TenantScope, contextId: string, agentId: string) {
  const [row] = await db
    .select({ access: agentContextShares.access })
    .from(agentContextShares)
    .where(
      and(
        inScope(agentContextShares.organizationId, scope),
        eq(agentContextShares.contextId, contextId),
        eq(agentContextShares.agentId, agentId),
      ),
    );
  return row?.access;
}

const ofProject = (scope: TenantScope, projectId: string) =>
  and(inScope(agentContexts.organizationId, scope), eq(agentContexts.projectId, projectId));

/** The project's contexts whose owning agent is live (what keeps the project from being deleted). */
export async function countProjectContexts(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(agentContexts)
    .innerJoin(agents, ownerJoin)
    .where(and(ofProject(scope, projectId), ownerLive));
  return row?.value ?? 0;
}

/** Contexts of deleted agents stop naming a project being deleted. */
export async function releaseGoneProjectContexts(db: Executor, scope: TenantScope, projectId: string) {
  await db
    .update(agentContexts)
    .set({ projectId: null })
    .where(
      and(
        ofProject(scope, projectId),
        sql`exists (select 1 from ${agents} where ${agents.id} = ${agentContexts.agentId} and ${agents.deletedAt} is not null)`,
      ),
    );
}

/** Every context of an agent follows it to its new project. */
export async function moveAgentContexts(
  tx: Executor,
  scope: TenantScope,
  move: { agentId: string; projectId: string | null },
) {
  await tx
    .update(agentContexts)
    .set({ projectId: move.projectId })
    .where(and(inScope(agentContexts.organizationId, scope), eq(agentContexts.agentId, move.agentId)));
}

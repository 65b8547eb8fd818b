import { and, asc, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { type ToolRow, tools } from './tool-tables.ts';

export type ToolInsert = typeof tools.$inferInsert;
export type McpToolChange = Partial<
  Pick<ToolRow, 'name' | 'description' | 'inputSchema' | 'metadata' | 'deletedAt'>
>;

const inOrganization = (scope: TenantScope) => inScope(tools.organizationId, scope);
const live = (scope: TenantScope) => and(inOrganization(scope), isNull(tools.deletedAt));

/** The live tools of the scope's servers, by name. */
export async function listServersTools(db: Executor, scope: TenantScope, serverIds: readonly string[]) {
  if (serverIds.length === 0) return [];
  return db
    .select()
    .from(tools)
    .where(and(live(scope), inArray(tools.mcpServerId, [...serverIds])))
    .orderBy(asc(tools.name));
}

/**
 * Every tool row a server ever had, live ones first, then the deleted ones newest first: a tool
 * that comes back takes its old row again, and with it the organization's choice of `enabled`.
 */
export async function serverToolHistory(tx: Executor, scope: TenantScope, serverId: string) {
  return tx
    .select()
    .from(tools)
    .where(and(inOrganization(scope), eq(tools.mcpServerId, serverId)))
    .orderBy(sql`${tools.deletedAt} is not null`, desc(tools.deletedAt));
}

/** Which of `lowerNames` live tools of the scope hold, other than the server's own (lower case). */
export async function namesTakenOutside(
  tx: Executor,
  scope: TenantScope,
  serverId: string,
  lowerNames: readonly string[],
): Promise<Set<string>> {
  if (lowerNames.length === 0) return new Set();
  const rows = await tx
    .select({ name: sql<string>`lower(${tools.name})` })
    .from(tools)
    .where(
      and(
        live(scope),
        or(isNull(tools.mcpServerId), ne(tools.mcpServerId, serverId)),
        inArray(sql`lower(${tools.name})`, [...lowerNames]),
      ),
    );
  return new Set(rows.map((row) => row.name));
}

export async function insertTools(tx: Executor, rows: ToolInsert[]) {
  if (rows.length > 0) await tx.insert(tools).values(rows);
}

export async function updateTool(tx: Executor, scope: TenantScope, toolId: string, change: McpToolChange) {
  await tx
    .update(tools)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(inOrganization(scope), eq(tools.id, toolId)));
}

export async function softDeleteTools(tx: Executor, scope: TenantScope, toolIds: readonly string[]) {
  if (toolIds.length === 0) return;
  await tx
    .update(tools)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(scope), inArray(tools.id, [...toolIds])));
}

/** With its server: every live tool of it. */
export async function softDeleteServerTools(tx: Executor, scope: TenantScope, serverId: string) {
  await tx
    .update(tools)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(scope), eq(tools.mcpServerId, serverId)));
}

import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { type McpPrompt, type McpResource, type McpServerRow, mcpServers } from './tool-tables.ts';

export type McpServerInsert = typeof mcpServers.$inferInsert;
/** What a change through the API may set. */
export type McpServerChange = Partial<
  Pick<
    McpServerRow,
    | 'name'
    | 'description'
    | 'transport'
    | 'endpoint'
    | 'command'
    | 'args'
    | 'authType'
    | 'authCiphertext'
    | 'healthCheckUrl'
    | 'enabled'
    | 'timeoutSeconds'
    | 'retryConfig'
    | 'circuitBreakerConfig'
    | 'metadata'
  >
>;

/** What a connection check found, stored on the server (its tools are rows of `tools`). */
export interface McpCheckRecord {
  status: 'connected' | 'error';
  error: string | null;
  /** Absent when the check could not list anything: what the last good check found stays. */
  discovered?: {
    capabilities: string[];
    serverInfo: { name: string; version: string } | null;
    resources: McpResource[];
    prompts: McpPrompt[];
  };
}

const live = (scope: TenantScope) =>
  and(inScope(mcpServers.organizationId, scope), isNull(mcpServers.deletedAt));

export async function insertServer(tx: Executor, row: McpServerInsert) {
  const [inserted] = await tx.insert(mcpServers).values(row).returning();
  return inserted as McpServerRow;
}

export async function findServer(db: Executor, scope: TenantScope, serverId: string) {
  const [row] = await db
    .select()
    .from(mcpServers)
    .where(and(live(scope), eq(mcpServers.id, serverId)));
  return row;
}

/** A live server of the scope, locked until the transaction ends: the write path. */
export async function lockServer(tx: Executor, scope: TenantScope, serverId: string) {
  const [row] = await tx
    .select()
    .from(mcpServers)
    .where(and(live(scope), eq(mcpServers.id, serverId)))
    .for('update');
  return row;
}

/** Unscoped: the organization of a live server, to tell 403 from 404 (`requireInScope`). */
export async function findServerOrganization(db: Executor, serverId: string) {
  const [row] = await db
    .select({ organizationId: mcpServers.organizationId })
    .from(mcpServers)
    .where(and(eq(mcpServers.id, serverId), isNull(mcpServers.deletedAt)));
  return row?.organizationId;
}

/** Newest first. */
export async function listServers(db: Executor, scope: TenantScope, page: Page) {
  return listPage(db, mcpServers, live(scope), [desc(mcpServers.createdAt), desc(mcpServers.id)], page);
}

/** Every live server of the scope, oldest first (the health listing). */
export async function allServers(db: Executor, scope: TenantScope) {
  return db.select().from(mcpServers).where(live(scope)).orderBy(asc(mcpServers.createdAt));
}

/**
 * Applies a change and marks the configuration changed (`updated_at`: pooled clients reconnect).
 * `newCheck` also starts a new check: the server turns `pending` and jobs of older checks go stale.
 */
export async function updateServer(
  tx: Executor,
  scope: TenantScope,
  serverId: string,
  change: McpServerChange,
  options: { newCheck: boolean },
) {
  const check = options.newCheck
    ? {
        checkSequence: sql`${mcpServers.checkSequence} + 1`,
        healthStatus: 'pending' as const,
        healthError: null,
      }
    : {};
  const [row] = await tx
    .update(mcpServers)
    .set({ ...change, ...check, updatedAt: sql`now()` })
    .where(and(live(scope), eq(mcpServers.id, serverId)))
    .returning();
  return row;
}

/** A new check asked for by hand: `pending`, and a new sequence that the job carries. */
export async function requestCheck(tx: Executor, scope: TenantScope, serverId: string) {
  const [row] = await tx
    .update(mcpServers)
    .set({ checkSequence: sql`${mcpServers.checkSequence} + 1`, healthStatus: 'pending', healthError: null })
    .where(and(live(scope), eq(mcpServers.id, serverId)))
    .returning();
  return row;
}

/** Soft delete; the sealed authentication is erased, since nothing may use it any more. */
export async function softDeleteServer(tx: Executor, scope: TenantScope, serverId: string) {
  const [row] = await tx
    .update(mcpServers)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()`, authCiphertext: null })
    .where(and(live(scope), eq(mcpServers.id, serverId)))
    .returning({ id: mcpServers.id, name: mcpServers.name });
  return row;
}

/**
 * Starts the check holding `sequence`: a `pending` server turns `checking` (a periodic check of a
 * server already checked keeps its status until the outcome). Undefined when the check is stale
 * (a newer one was asked for) or the server was deleted.
 */
export async function claimCheck(db: Executor, scope: TenantScope, serverId: string, sequence: number) {
  const [row] = await db
    .update(mcpServers)
    .set({
      healthStatus: sql`case when ${mcpServers.healthStatus} = 'pending' then 'checking' else ${mcpServers.healthStatus} end`,
    })
    .where(and(live(scope), eq(mcpServers.id, serverId), eq(mcpServers.checkSequence, sequence)))
    .returning();
  return row;
}

/** The server while it still holds `sequence`, locked until the transaction ends (a check's outcome). */
export async function lockCheckedServer(
  tx: Executor,
  scope: TenantScope,
  serverId: string,
  sequence: number,
) {
  const [row] = await tx
    .select()
    .from(mcpServers)
    .where(and(live(scope), eq(mcpServers.id, serverId), eq(mcpServers.checkSequence, sequence)))
    .for('update');
  return row;
}

/** Stores a check's outcome; `updated_at` stays: it marks configuration changes only. */
export async function recordCheck(
  tx: Executor,
  scope: TenantScope,
  serverId: string,
  record: McpCheckRecord,
) {
  const [row] = await tx
    .update(mcpServers)
    .set({
      healthStatus: record.status,
      healthError: record.error,
      checkedAt: sql`now()`,
      ...(record.discovered ?? {}),
    })
    .where(and(live(scope), eq(mcpServers.id, serverId)))
    .returning();
  return row;
}

/**
 * The operator's periodic checks: enabled servers of every organization, by id after `afterId`.
 * Only what a check job needs.
 */
export async function enabledServersAfter(db: Executor, afterId: string | null, limit: number) {
  return db
    .select({
      id: mcpServers.id,
      organizationId: mcpServers.organizationId,
      checkSequence: mcpServers.checkSequence,
    })
    .from(mcpServers)
    .where(
      and(
        isNull(mcpServers.deletedAt),
        eq(mcpServers.enabled, true),
        afterId === null ? undefined : gt(mcpServers.id, afterId),
      ),
    )
    .orderBy(asc(mcpServers.id))
    .limit(limit);
}

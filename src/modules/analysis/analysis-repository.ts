import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { ofAgentsInScope } from '../agents/index.ts';
import {
  type AnalysisError,
  type AnalysisItemStatus,
  type AnalysisRunStatus,
  analysisRunItems,
  analysisRuns,
} from './analysis-tables.ts';
import { analysisProposals } from './proposal-tables.ts';

export type RunRow = typeof analysisRuns.$inferSelect;
export type ItemRow = typeof analysisRunItems.$inferSelect;
export type ItemInsert = typeof analysisRunItems.$inferInsert;

/** Rows per INSERT when items are materialized: well under PostgreSQL's parameter limit. */
const INSERT_CHUNK = 500;

export interface RunFilters {
  assignmentId?: string | undefined;
  agentId?: string | undefined;
  status?: AnalysisRunStatus | undefined;
}

/** What a run's view derives from its items and proposals. */
export interface RunStatistics {
  itemsDone: number;
  itemsFailed: number;
  itemsPending: number;
  inputTokens: number;
  outputTokens: number;
  costEstimate: number | null;
  meanLatencyMs: number | null;
  maxLatencyMs: number | null;
  proposalsPending: number;
  proposalsApproved: number;
  proposalsRejected: number;
}

export const emptyStatistics: RunStatistics = {
  itemsDone: 0,
  itemsFailed: 0,
  itemsPending: 0,
  inputTokens: 0,
  outputTokens: 0,
  costEstimate: null,
  meanLatencyMs: null,
  maxLatencyMs: null,
  proposalsPending: 0,
  proposalsApproved: 0,
  proposalsRejected: 0,
};

/** A project-scoped caller's analysis runs are those of its project's agents. */
const inRunScope = (scope: TenantScope) =>
  and(inScope(analysisRuns.organizationId, scope), ofAgentsInScope(analysisRuns.agentId, scope)) as SQL;
const runIn = (scope: TenantScope, runId: string) => and(inRunScope(scope), eq(analysisRuns.id, runId));
const itemsOf = (scope: TenantScope, runId: string) =>
  and(inScope(analysisRunItems.organizationId, scope), eq(analysisRunItems.runId, runId));

export async function insertRun(tx: Executor, row: typeof analysisRuns.$inferInsert) {
  const [inserted] = await tx.insert(analysisRuns).values(row).returning();
  return inserted as RunRow;
}

export async function insertItems(tx: Executor, rows: ItemInsert[]) {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await tx.insert(analysisRunItems).values(rows.slice(start, start + INSERT_CHUNK));
  }
}

/** A re-run's items: the very inputs of the run it repeats, pending again. */
export async function copyItems(tx: Executor, scope: TenantScope, fromRunId: string, toRunId: string) {
  await tx.execute(sql`
    insert into ${analysisRunItems} (organization_id, run_id, item_index, source_ref, input)
    select organization_id, ${toRunId}, item_index, source_ref, input from ${analysisRunItems}
    where organization_id = ${scope.organizationId} and run_id = ${fromRunId}`);
}

export async function findRun(db: Executor, scope: TenantScope, runId: string) {
  const [row] = await db.select().from(analysisRuns).where(runIn(scope, runId));
  return row;
}

/** Unscoped: the organization of a run, to tell "another organization's" (403) from "missing" (404). */
export async function findRunOrganization(db: Executor, runId: string) {
  const [row] = await db
    .select({ organizationId: analysisRuns.organizationId })
    .from(analysisRuns)
    .where(eq(analysisRuns.id, runId));
  return row?.organizationId;
}

export async function listRuns(db: Executor, scope: TenantScope, filters: RunFilters, page: Page) {
  const conditions: SQL[] = [inRunScope(scope)];
  if (filters.assignmentId) conditions.push(eq(analysisRuns.assignmentId, filters.assignmentId));
  if (filters.agentId) conditions.push(eq(analysisRuns.agentId, filters.agentId));
  if (filters.status) conditions.push(eq(analysisRuns.status, filters.status));
  return listPage(
    db,
    analysisRuns,
    and(...conditions),
    [desc(analysisRuns.createdAt), desc(analysisRuns.id)],
    page,
  );
}

const countWhere = (condition: SQL) => sql<number>`count(*) filter (where ${condition})`.mapWith(Number);

/** The counts, usage and latencies of runs, from their items and proposals (two grouped queries). */
export async function runStatistics(
  db: Executor,
  scope: TenantScope,
  runIds: string[],
): Promise<Map<string, RunStatistics>> {
  const statistics = new Map<string, RunStatistics>();
  if (runIds.length === 0) return statistics;
  const items = analysisRunItems;
  const [itemRows, proposalRows] = await Promise.all([
    db
      .select({
        runId: items.runId,
        done: countWhere(sql`${items.status} = 'completed'`),
        failed: countWhere(sql`${items.status} = 'failed'`),
        pending: countWhere(sql`${items.status} = 'pending'`),
        inputTokens: sql<number>`coalesce(sum(${items.inputTokens}), 0)`.mapWith(Number),
        outputTokens: sql<number>`coalesce(sum(${items.outputTokens}), 0)`.mapWith(Number),
        cost: sql<number | null>`sum(${items.costEstimate})`,
        meanLatency: sql<number | null>`round(avg(${items.latencyMs}))`,
        maxLatency: sql<number | null>`max(${items.latencyMs})`,
      })
      .from(items)
      .where(and(inScope(items.organizationId, scope), inArray(items.runId, runIds)))
      .groupBy(items.runId),
    db
      .select({
        runId: analysisProposals.runId,
        pending: countWhere(sql`${analysisProposals.status} = 'pending'`),
        approved: countWhere(sql`${analysisProposals.status} = 'approved'`),
        rejected: countWhere(sql`${analysisProposals.status} = 'rejected'`),
      })
      .from(analysisProposals)
      .where(and(inScope(analysisProposals.organizationId, scope), inArray(analysisProposals.runId, runIds)))
      .groupBy(analysisProposals.runId),
  ]);
  const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  for (const row of itemRows) {
    statistics.set(row.runId, {
      ...emptyStatistics,
      itemsDone: row.done,
      itemsFailed: row.failed,
      itemsPending: row.pending,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      costEstimate: numberOrNull(row.cost),
      meanLatencyMs: numberOrNull(row.meanLatency),
      maxLatencyMs: numberOrNull(row.maxLatency),
    });
  }
  for (const row of proposalRows) {
    const current = statistics.get(row.runId) ?? { ...emptyStatistics };
    statistics.set(row.runId, {
      ...current,
      proposalsPending: row.pending,
      proposalsApproved: row.approved,
      proposalsRejected: row.rejected,
    });
  }
  return statistics;
}

/** The first failed items of each run, in item order. */
export async function failedItems(db: Executor, scope: TenantScope, runId: string, limit: number) {
  return db
    .select({
      itemIndex: analysisRunItems.itemIndex,
      sourceRef: analysisRunItems.sourceRef,
      error: analysisRunItems.error,
    })
    .from(analysisRunItems)
    .where(and(itemsOf(scope, runId), eq(analysisRunItems.status, 'failed')))
    .orderBy(asc(analysisRunItems.itemIndex))
    .limit(limit);
}

/** A page of a run's items with their proposals, in item order. */
export async function listItems(
  db: Executor,
  scope: TenantScope,
  runId: string,
  status: AnalysisItemStatus | undefined,
  page: Page,
) {
  const where = and(itemsOf(scope, runId), status ? eq(analysisRunItems.status, status) : undefined);
  const [rows, [total]] = await Promise.all([
    db
      .select({ item: analysisRunItems, proposalId: analysisProposals.id, output: analysisProposals.output })
      .from(analysisRunItems)
      .leftJoin(
        analysisProposals,
        and(
          eq(analysisProposals.runId, analysisRunItems.runId),
          eq(analysisProposals.itemIndex, analysisRunItems.itemIndex),
        ),
      )
      .where(where)
      .orderBy(asc(analysisRunItems.itemIndex))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(analysisRunItems).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/** Moves a run from one of `from` to `to`; the row after the change, or undefined when it was in none. */
export async function transitionRun(
  tx: Executor,
  scope: TenantScope,
  runId: string,
  from: AnalysisRunStatus[],
  to: AnalysisRunStatus,
  change: Partial<Pick<RunRow, 'queueJobId' | 'queuedAt' | 'completedAt' | 'error'>> = {},
) {
  const now = new Date();
  const [row] = await tx
    .update(analysisRuns)
    .set({
      status: to,
      updatedAt: now,
      ...change,
      ...(to === 'running' ? { startedAt: sql`coalesce(${analysisRuns.startedAt}, now())` } : {}),
      ...(['completed', 'failed', 'cancelled'].includes(to) ? { completedAt: now } : {}),
    })
    .where(and(runIn(scope, runId), inArray(analysisRuns.status, from)))
    .returning();
  return row;
}

export async function setQueueJob(
  tx: Executor,
  scope: TenantScope,
  runId: string,
  queueJobId: string | null,
) {
  await tx.update(analysisRuns).set({ queueJobId }).where(runIn(scope, runId));
}

/** The run's status, held until the transaction ends: a cancellation waits for the item being stored. */
export async function lockRunStatus(tx: Executor, scope: TenantScope, runId: string) {
  const [row] = await tx
    .select({ status: analysisRuns.status })
    .from(analysisRuns)
    .where(runIn(scope, runId))
    .for('share');
  return row?.status;
}

export async function pendingItemIndexes(db: Executor, scope: TenantScope, runId: string) {
  const rows = await db
    .select({ itemIndex: analysisRunItems.itemIndex })
    .from(analysisRunItems)
    .where(and(itemsOf(scope, runId), eq(analysisRunItems.status, 'pending')))
    .orderBy(asc(analysisRunItems.itemIndex));
  return rows.map((row) => row.itemIndex);
}

export async function findItems(db: Executor, scope: TenantScope, runId: string, indexes: number[]) {
  return db
    .select()
    .from(analysisRunItems)
    .where(and(itemsOf(scope, runId), inArray(analysisRunItems.itemIndex, indexes)))
    .orderBy(asc(analysisRunItems.itemIndex));
}

/** How an item ended, with its share of its turn's usage. */
export interface ItemOutcome {
  itemIndex: number;
  status: 'completed' | 'failed';
  error?: AnalysisError | undefined;
  /** The turns it took (rate-limited ones retried). */
  attempts: number;
  turnRunId: string | null;
  inputTokens: number;
  outputTokens: number;
  costEstimate: number | null;
  latencyMs: number | null;
}

/** Every item of the run with its output (null when it has none), in item order: what comparisons read. */
export async function itemsWithOutputs(db: Executor, scope: TenantScope, runId: string) {
  return db
    .select({
      itemIndex: analysisRunItems.itemIndex,
      sourceRef: analysisRunItems.sourceRef,
      input: analysisRunItems.input,
      status: analysisRunItems.status,
      output: analysisProposals.output,
    })
    .from(analysisRunItems)
    .leftJoin(
      analysisProposals,
      and(
        eq(analysisProposals.runId, analysisRunItems.runId),
        eq(analysisProposals.itemIndex, analysisRunItems.itemIndex),
      ),
    )
    .where(itemsOf(scope, runId))
    .orderBy(asc(analysisRunItems.itemIndex));
}

import { and, asc, count, desc, eq, lt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { type ActionType, agentActions, type RunStatus, type RunTrigger, runs } from './run-tables.ts';

export type RunRow = typeof runs.$inferSelect;
export type RunInsert = typeof runs.$inferInsert;
export type RunChange = Partial<
  Pick<
    RunRow,
    | 'status'
    | 'output'
    | 'error'
    | 'usage'
    | 'costEstimate'
    | 'model'
    | 'providerId'
    | 'providerName'
    | 'providerType'
    | 'fallbackUsed'
    | 'warnings'
    | 'completedAt'
    | 'durationMs'
    | 'sessionId'
  >
>;
export type ActionRow = typeof agentActions.$inferSelect;
export type ActionInsert = typeof agentActions.$inferInsert;

export interface RunFilters {
  agent_id?: string | undefined;
  session_id?: string | undefined;
  status?: RunStatus | undefined;
  trigger?: RunTrigger | undefined;
}

export interface Page {
  limit: number;
  offset: number;
}

const inOrganization = (organizationId: string) => eq(runs.organizationId, organizationId);

export async function insertRun(db: Executor, row: RunInsert): Promise<RunRow> {
  const [inserted] = await db.insert(runs).values(row).returning();
  return inserted as RunRow;
}

/** Ends a running run; a run that already ended is left as it is (undefined is returned). */
export async function finishRun(db: Executor, organizationId: string, runId: string, change: RunChange) {
  const [row] = await db
    .update(runs)
    .set(change)
    .where(and(inOrganization(organizationId), eq(runs.id, runId), eq(runs.status, 'running')))
    .returning();
  return row;
}

export async function insertActions(db: Executor, rows: ActionInsert[]) {
  if (rows.length === 0) return;
  await db.insert(agentActions).values(rows);
}

export async function findRun(db: Executor, organizationId: string, runId: string) {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(inOrganization(organizationId), eq(runs.id, runId)));
  return row;
}

/** The organization of a run, to tell "another organization's" (403) from "missing" (404). */
export async function findRunOrganization(db: Executor, runId: string) {
  const [row] = await db.select({ organizationId: runs.organizationId }).from(runs).where(eq(runs.id, runId));
  return row?.organizationId;
}

/** Newest first. */
export async function listRuns(db: Executor, organizationId: string, filters: RunFilters, page: Page) {
  const conditions: SQL[] = [inOrganization(organizationId)];
  if (filters.agent_id) conditions.push(eq(runs.agentId, filters.agent_id));
  if (filters.session_id) conditions.push(eq(runs.sessionId, filters.session_id));
  if (filters.status) conditions.push(eq(runs.status, filters.status));
  if (filters.trigger) conditions.push(eq(runs.trigger, filters.trigger));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(runs)
      .where(where)
      .orderBy(desc(runs.startedAt), desc(runs.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(runs).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/** How many runs of the agent are still running (the agent stays busy until none is). */
export async function countRunningRuns(db: Executor, organizationId: string, agentId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(runs)
    .where(and(inOrganization(organizationId), eq(runs.agentId, agentId), eq(runs.status, 'running')));
  return row?.value ?? 0;
}

/** The steps of one run, in the order they happened. */
export async function listRunActions(db: Executor, organizationId: string, runId: string) {
  return db
    .select()
    .from(agentActions)
    .where(and(eq(agentActions.organizationId, organizationId), eq(agentActions.runId, runId)))
    .orderBy(asc(agentActions.sequence));
}

/** The agent's actions across its runs, newest first (runs by their time-ordered id, then steps). */
export async function listAgentActions(
  db: Executor,
  organizationId: string,
  agentId: string,
  filters: { action_type?: ActionType | undefined; run_id?: string | undefined },
  page: Page,
) {
  const conditions: SQL[] = [
    eq(agentActions.organizationId, organizationId),
    eq(agentActions.agentId, agentId),
  ];
  if (filters.action_type) conditions.push(eq(agentActions.actionType, filters.action_type));
  if (filters.run_id) conditions.push(eq(agentActions.runId, filters.run_id));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentActions)
      .where(where)
      .orderBy(desc(agentActions.runId), desc(agentActions.sequence))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agentActions).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/**
 * Runs still `running` long after any turn could have ended belong to a process that died
 * mid-turn. Maintenance across every organization (the operator's job, like history retention).
 */
export async function failAbandonedRuns(db: Executor, startedBefore: Date) {
  return db
    .update(runs)
    .set({
      status: 'failed',
      error: { code: 'abandoned', message: 'The process running this turn stopped before it ended' },
      completedAt: sql`now()`,
      durationMs: sql`(extract(epoch from (now() - ${runs.startedAt})) * 1000)::int`,
    })
    .where(and(eq(runs.status, 'running'), lt(runs.startedAt, startedBefore)))
    .returning();
}

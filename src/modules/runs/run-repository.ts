import { and, asc, count, desc, eq, getTableColumns, lt, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { preparedStatement, preparedStatements, renderable } from '../../platform/db/prepared-statement.ts';
import { type ActionType, agentActions, type RunStatus, type RunTrigger, runs } from './run-tables.ts';

export type RunRow = typeof runs.$inferSelect;
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

type Announcement = (payload: SQLWrapper) => SQL;

const placeholders = <T extends Record<string, unknown>>(names: readonly (keyof T & string)[]) =>
  Object.fromEntries(names.map((name) => [name, sql.placeholder(name)])) as unknown as T;

const runColumns = Object.keys(getTableColumns(runs)) as (keyof RunRow & string)[];
const endColumns = [
  'status',
  'output',
  'error',
  'usage',
  'costEstimate',
  'model',
  'providerId',
  'providerName',
  'providerType',
  'fallbackUsed',
  'warnings',
  'completedAt',
  'durationMs',
] as const satisfies readonly (keyof RunRow)[];
const actionColumns = Object.keys(getTableColumns(agentActions)) as (keyof ActionRow & string)[];

/** How a run ends: every column its end writes. */
export type RunEnd = Pick<RunRow, (typeof endColumns)[number]>;

/**
 * The writes of a turn's run, each one prepared statement (see `preparedStatement`). With
 * `announcement` (the event bus's), starting and ending a run also publishes its event, in the
 * same statement.
 */
export function prepareRunWrites(announcement?: Announcement) {
  const insertRun = preparedStatement<Record<string, unknown>>(
    announcement ? 'run_start_announced' : 'run_start',
    (db) => {
      const insert = db.insert(runs).values(placeholders<RunRow>(runColumns));
      return announcement
        ? renderable(db, sql`with started as (${insert.getSQL()}) ${announcement(sql.placeholder('event'))}`)
        : insert;
    },
  );

  // One shape per number of actions.
  const finishRun = preparedStatements<number, Record<string, unknown>>(
    (count) => `run_end_${count}${announcement ? '_announced' : ''}`,
    (db, count) => {
      const update = db
        .update(runs)
        .set(placeholders<RunEnd>(endColumns))
        .where(
          and(
            eq(runs.organizationId, sql.placeholder('organizationId')),
            eq(runs.id, sql.placeholder('runId')),
            eq(runs.status, 'running'),
          ),
        )
        .returning({ id: runs.id });
      const steps = [sql`ended as (${update.getSQL()})`];
      if (count > 0) {
        const rows = Array.from({ length: count }, (_, index) =>
          Object.fromEntries(actionColumns.map((column) => [column, sql.placeholder(`${column}${index}`)])),
        ) as unknown as ActionInsert[];
        steps.push(sql`recorded as (${db.insert(agentActions).values(rows).getSQL()})`);
      }
      const result = announcement ? announcement(sql.placeholder('event')) : sql`select id`;
      return renderable(db, sql`with ${sql.join(steps, sql`, `)} ${result} from ended`);
    },
  );

  return {
    /** Inserts a run; `event`: its encoded run-started event (when announcing). */
    async insertRun(db: Executor, row: RunRow, event?: string): Promise<void> {
      await insertRun(db, { ...row, event });
    },

    /**
     * Ends a running run and stores its actions, in one statement; `event`: the encoded event of
     * its end, published only when the run was ended. A run that already ended is left as it is
     * and false is returned (its actions are stored all the same).
     */
    async finishRun(
      db: Executor,
      organizationId: string,
      runId: string,
      end: RunEnd,
      actions: ActionRow[],
      event?: string,
    ): Promise<boolean> {
      const values: Record<string, unknown> = { ...end, organizationId, runId, event };
      actions.forEach((action, index) => {
        for (const column of actionColumns) values[`${column}${index}`] = action[column];
      });
      return (await finishRun(actions.length)(db, values)).length > 0;
    },
  };
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

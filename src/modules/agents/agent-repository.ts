import {
  and,
  arrayContains,
  count,
  desc,
  eq,
  ilike,
  inArray,
  isNull,
  like,
  lt,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { preparedStatement } from '../../platform/db/prepared-statement.ts';
import type { AgentStatus } from './agent-config.ts';
import { agentHistory, agents, agentVersions } from './agent-tables.ts';

export type AgentRow = typeof agents.$inferSelect;
export type AgentVersionRow = typeof agentVersions.$inferSelect;
export type AgentHistoryRow = typeof agentHistory.$inferSelect;

export interface AgentFilters {
  status?: AgentStatus | undefined;
  agent_type?: string | undefined;
  kind?: string | undefined;
  tag?: string | undefined;
  search?: string | undefined;
  /** The exact name (the OpenAI-compatible facade calls an agent by its name). */
  name?: string | undefined;
}

export interface Page {
  limit: number;
  offset: number;
}

const live = (organizationId: string) =>
  and(eq(agents.organizationId, organizationId), isNull(agents.deletedAt));
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * Reads a live (not deleted) agent of the organization. The hottest query of the API, so it is
 * prepared once per database: no query building per call, a named statement on PostgreSQL.
 */
export function prepareAgentLookup(db: Database) {
  const statement = db
    .select()
    .from(agents)
    .where(
      and(
        eq(agents.organizationId, sql.placeholder('organizationId')),
        eq(agents.id, sql.placeholder('agentId')),
        isNull(agents.deletedAt),
      ),
    )
    .prepare('agent_by_id');
  return async (organizationId: string, agentId: string): Promise<AgentRow | undefined> =>
    (await statement.execute({ organizationId, agentId }))[0];
}

/** A live agent of the organization, locked until the transaction ends: the write path. */
export async function lockAgent(tx: Executor, organizationId: string, agentId: string) {
  const [row] = await tx
    .select()
    .from(agents)
    .where(and(live(organizationId), eq(agents.id, agentId)))
    .for('update');
  return row;
}

/** The organization of a live agent, to tell "another organization's" (403) from "missing" (404). */
export async function findAgentOrganization(db: Executor, agentId: string) {
  const [row] = await db
    .select({ organizationId: agents.organizationId })
    .from(agents)
    .where(and(eq(agents.id, agentId), isNull(agents.deletedAt)));
  return row?.organizationId;
}

export async function listAgents(db: Executor, organizationId: string, filters: AgentFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [live(organizationId)];
  if (filters.status) conditions.push(eq(agents.status, filters.status));
  if (filters.agent_type) conditions.push(eq(agents.agentType, filters.agent_type));
  if (filters.kind) conditions.push(eq(agents.kind, filters.kind));
  if (filters.tag) conditions.push(arrayContains(agents.tags, [filters.tag]));
  if (filters.name !== undefined) conditions.push(eq(agents.name, filters.name));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(agents.name, pattern), ilike(agents.description, pattern)));
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agents)
      .where(where)
      .orderBy(desc(agents.createdAt), desc(agents.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agents).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

type VersionInsert = typeof agentVersions.$inferInsert;
type HistoryInsert = typeof agentHistory.$inferInsert;

/** Runs `main` with the version and history inserts as data-modifying CTEs: one round trip. */
async function withVersionAndHistory(
  tx: Executor,
  version: VersionInsert | null,
  history: HistoryInsert[],
  main: SQL,
) {
  const inserts: SQL[] = [];
  if (version) inserts.push(sql`new_version as (${tx.insert(agentVersions).values(version).getSQL()})`);
  if (history.length > 0)
    inserts.push(sql`new_history as (${tx.insert(agentHistory).values(history).getSQL()})`);
  await tx.execute(inserts.length > 0 ? sql`with ${sql.join(inserts, sql`, `)} ${main}` : main);
}

/** A new agent with its first version and its creation history, in one statement: all or nothing. */
export async function writeNewAgent(
  db: Executor,
  agent: AgentRow,
  version: VersionInsert,
  history: HistoryInsert[],
) {
  await withVersionAndHistory(db, version, history, db.insert(agents).values(agent).getSQL());
}

/** One change of a locked agent: its row, its new version (if the configuration changed), its history. */
export async function writeChange(
  tx: Executor,
  change: {
    organizationId: string;
    agentId: string;
    version: VersionInsert | null;
    history: HistoryInsert[];
    agent: Partial<AgentRow>;
  },
) {
  const update = tx
    .update(agents)
    .set(change.agent)
    .where(and(eq(agents.organizationId, change.organizationId), eq(agents.id, change.agentId)));
  await withVersionAndHistory(tx, change.version, change.history, update.getSQL());
}

export async function findVersion(db: Executor, organizationId: string, agentId: string, version: number) {
  const [row] = await db
    .select()
    .from(agentVersions)
    .where(
      and(
        eq(agentVersions.organizationId, organizationId),
        eq(agentVersions.agentId, agentId),
        eq(agentVersions.version, version),
      ),
    );
  return row;
}

export async function listVersions(db: Executor, organizationId: string, agentId: string, page: Page) {
  const where = and(eq(agentVersions.organizationId, organizationId), eq(agentVersions.agentId, agentId));
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentVersions)
      .where(where)
      .orderBy(desc(agentVersions.version))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agentVersions).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/** Newest first; `fieldFilter` matches a field and, for a section such as traits, its fields. */
export async function listHistory(
  db: Executor,
  organizationId: string,
  agentId: string,
  query: Page & { fieldFilter?: string | undefined },
) {
  const conditions = [eq(agentHistory.organizationId, organizationId), eq(agentHistory.agentId, agentId)];
  if (query.fieldFilter) {
    const field = query.fieldFilter;
    const sectionMatch = like(agentHistory.fieldChanged, `${escapeLike(field)}.%`);
    conditions.push(or(eq(agentHistory.fieldChanged, field), sectionMatch) as SQL);
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentHistory)
      .where(where)
      .orderBy(desc(agentHistory.seq))
      .limit(query.limit)
      .offset(query.offset),
    db.select({ value: count() }).from(agentHistory).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/**
 * Retention across every organization (the one unscoped query: a maintenance job acting for the
 * operator), in batches so that no single statement holds locks for long.
 */
export async function deleteHistoryBefore(db: Database, cutoff: Date, batchSize = 5_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = db
      .select({ id: agentHistory.id })
      .from(agentHistory)
      .where(lt(agentHistory.changeTimestamp, cutoff))
      .limit(batchSize);
    const rows = await db
      .delete(agentHistory)
      .where(inArray(agentHistory.id, batch))
      .returning({ id: agentHistory.id });
    deleted += rows.length;
    if (rows.length < batchSize) return deleted;
  }
}

/** How a turn of the agent ended, for its counters and runtime state. */
export interface TurnOutcome {
  /** `abandoned`: the process running the turn died; the turn only releases the agent. */
  status: 'completed' | 'failed' | 'cancelled' | 'abandoned';
  error?: string | undefined;
  at: Date;
}

/**
 * The agent's turns in flight, kept in its runtime (`running_turns`, not part of the view): each
 * turn's start adds one and its end removes one, in the transactions that start and end its run.
 * An atomic counter on the agent's own row stays right when turns end at the same time, where
 * counting running runs would not (a transaction cannot see a concurrent one's end).
 */
const runningTurns = sql`coalesce((${agents.runtime}->>'running_turns')::int, 0)`;

/**
 * The runtime writes of a turn, as prepared statements (every turn runs two of them). Each is one
 * atomic statement, so concurrent turns never lose an update:
 * - `markAgentBusy`: one more turn in flight, the agent is busy;
 * - `recordTurnOutcome`: one turn fewer in flight (the agent stays busy while any other runs); a
 *   completed turn adds one interaction and clears the failure streak; a failed one sets the error
 *   state and lengthens the streak (health turns from warning to error at three in a row); a
 *   cancelled or abandoned one only releases the agent.
 */
export function prepareTurnStateWrites() {
  const where = and(
    eq(agents.organizationId, sql.placeholder('organizationId')),
    eq(agents.id, sql.placeholder('agentId')),
    isNull(agents.deletedAt),
  );
  const heartbeat = sql`${sql.placeholder('heartbeat')}::text`;
  const remaining = sql`greatest(${runningTurns} - 1, 0)`;
  const settled = sql`case when ${remaining} > 0 then 'busy' else 'idle' end`;
  const streak = sql`coalesce((${agents.runtime}->>'consecutive_failures')::int, 0) + 1`;
  const runtimeChange = (fields: SQL) => ({
    runtime: sql`${agents.runtime} || jsonb_build_object(${fields})`,
  });
  const changes = {
    started: runtimeChange(
      sql`'state', 'busy', 'last_heartbeat', ${heartbeat}, 'running_turns', ${runningTurns} + 1`,
    ),
    completed: {
      interactionCount: sql`${agents.interactionCount} + 1`,
      lastInteractionAt: sql`${sql.placeholder('heartbeat')}::timestamptz`,
      ...runtimeChange(
        sql`'state', ${settled}, 'health', 'healthy', 'consecutive_failures', 0, 'last_heartbeat', ${heartbeat}, 'running_turns', ${remaining}`,
      ),
    },
    failed: runtimeChange(
      sql`'state', 'error', 'last_error', ${sql.placeholder('error')}::text, 'consecutive_failures', ${streak}, 'health', case when ${streak} >= 3 then 'error' else 'warning' end, 'last_heartbeat', ${heartbeat}, 'running_turns', ${remaining}`,
    ),
    released: runtimeChange(
      sql`'state', ${settled}, 'last_heartbeat', ${heartbeat}, 'running_turns', ${remaining}`,
    ),
  };
  const statements = Object.fromEntries(
    Object.entries(changes).map(([kind, change]) => [
      kind,
      preparedStatement(`agent_turn_${kind}`, (db) => db.update(agents).set(change).where(where)),
    ]),
  ) as Record<keyof typeof changes, ReturnType<typeof preparedStatement>>;

  return {
    async markAgentBusy(db: Executor, organizationId: string, agentId: string, at: Date) {
      await statements.started(db, { organizationId, agentId, heartbeat: at.toISOString() });
    },

    async recordTurnOutcome(db: Executor, organizationId: string, agentId: string, outcome: TurnOutcome) {
      const kind =
        outcome.status === 'completed' ? 'completed' : outcome.status === 'failed' ? 'failed' : 'released';
      await statements[kind](db, {
        organizationId,
        agentId,
        heartbeat: outcome.at.toISOString(),
        error: outcome.error ?? 'failed',
      });
    },
  };
}

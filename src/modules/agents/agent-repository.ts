import {
  and,
  arrayContains,
  count,
  desc,
  eq,
  getTableColumns,
  ilike,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  ne,
  or,
  type SQL,
  type SQLWrapper,
  sql,
} from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { escapeLike } from '../../platform/db/like-pattern.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { mapColumns, preparedStatement } from '../../platform/db/prepared-statement.ts';
import { qualified } from '../../platform/db/qualified.ts';
import { inScope, inScopeProject, type TenantScope } from '../../platform/db/tenant-scope.ts';
import type { AgentStatus } from './agent-config.ts';
import { agentHistory, agents, agentVersions } from './agent-tables.ts';

export type AgentRow = typeof agents.$inferSelect;
/** An agent with the number of its runs still running (how busy it is). */
export type AgentActivityRow = AgentRow & { runningTurns: number };

/**
 * The number of an agent's runs still running, as SQL over its organization and id columns: the
 * runs module provides it, so that a read of the agent carries it in the same round trip.
 */
export type RunningTurns = (organizationId: SQLWrapper, agentId: SQLWrapper) => SQL<number>;

const agentColumns = getTableColumns(agents);

const withActivity = (runningTurns: RunningTurns) => ({
  ...agentColumns,
  runningTurns: runningTurns(qualified(agents, agents.organizationId), qualified(agents, agents.id)).as(
    'running_turns',
  ),
});
export type AgentVersionRow = typeof agentVersions.$inferSelect;
export type AgentHistoryRow = typeof agentHistory.$inferSelect;

export interface AgentFilters {
  /** Without a status, archived agents are left out. */
  status?: AgentStatus | undefined;
  active_only?: boolean | undefined;
  provider_id?: string | undefined;
  agent_type?: string | undefined;
  kind?: string | undefined;
  tag?: string | undefined;
  search?: string | undefined;
  /** The exact name (the OpenAI-compatible facade calls an agent by its name). */
  name?: string | undefined;
  project_id?: string | undefined;
}

const inAgentScope = (scope: TenantScope) => inScope(agents.organizationId, scope, agents.projectId);
const live = (scope: TenantScope) => and(inAgentScope(scope), isNull(agents.deletedAt));

/**
 * For tables whose rows belong to an agent (runs, tasks, analysis runs, ...): a project-scoped
 * caller's rows are those of its project's agents. Undefined for an organization-wide scope, whose
 * organization condition is enough.
 */
export const ofAgentsInScope = (agentIdColumn: SQLWrapper, scope: TenantScope): SQL | undefined =>
  scope.projectId
    ? sql`${agentIdColumn} in (select ${agents.id} from ${agents} where ${inAgentScope(scope)})`
    : undefined;

const liveAgentById = and(
  eq(agents.organizationId, sql.placeholder('organizationId')),
  eq(agents.id, sql.placeholder('agentId')),
  isNull(agents.deletedAt),
);

/**
 * The two reads of one live agent of the scope, with how busy it is, as prepared statements (no
 * query building per call; planned once): `find`, the hottest query of the API, and `lock`, which
 * also locks the row until the transaction ends (the write path).
 */
export function prepareAgentReads(runningTurns: RunningTurns) {
  const select = (executor: Executor) =>
    executor.select(withActivity(runningTurns)).from(agents).where(liveAgentById);
  const statements = {
    find: preparedStatement('agent_by_id', select),
    lock: preparedStatement('agent_by_id_locked', (executor) => select(executor).for('update')),
  };
  const read = async (
    statement: (typeof statements)['find'],
    executor: Executor,
    scope: TenantScope,
    agentId: string,
  ): Promise<AgentActivityRow | undefined> => {
    const [row] = await statement(executor, { organizationId: scope.organizationId, agentId });
    if (!row) return undefined;
    const agent = mapColumns(agentColumns, row);
    // Prepared on the organization alone: the project rule applies to the row read.
    return inScopeProject(scope, agent.projectId)
      ? { ...agent, runningTurns: Number(row.running_turns) }
      : undefined;
  };
  return {
    find: (executor: Executor, scope: TenantScope, agentId: string) =>
      read(statements.find, executor, scope, agentId),
    lock: (tx: Executor, scope: TenantScope, agentId: string) => read(statements.lock, tx, scope, agentId),
  };
}

/**
 * Unscoped: the organization of a live agent, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findAgentOrganization(db: Executor, agentId: string) {
  const [row] = await db
    .select({ organizationId: agents.organizationId })
    .from(agents)
    .where(and(eq(agents.id, agentId), isNull(agents.deletedAt)));
  return row?.organizationId;
}

/**
 * Whether a live agent of the scope carries `tag` as the agents list finds it (archived ones left
 * out): the template service's check, in the transaction that holds the template's lock.
 */
export async function hasListedAgentTagged(tx: Executor, scope: TenantScope, tag: string) {
  const [row] = await tx
    .select({ id: agents.id })
    .from(agents)
    .where(and(live(scope), ne(agents.status, 'archived'), arrayContains(agents.tags, [tag])))
    .limit(1);
  return row !== undefined;
}

/** Newest first. */
export async function listAgents(
  db: Executor,
  scope: TenantScope,
  filters: AgentFilters,
  page: Page,
  runningTurns: RunningTurns,
) {
  const conditions: (SQL | undefined)[] = [live(scope)];
  conditions.push(filters.status ? eq(agents.status, filters.status) : ne(agents.status, 'archived'));
  if (filters.active_only) conditions.push(eq(agents.status, 'active'));
  if (filters.provider_id) {
    conditions.push(sql`${agents.configuration}->>'provider_id' = ${filters.provider_id}`);
  }
  if (filters.agent_type) conditions.push(eq(agents.agentType, filters.agent_type));
  if (filters.kind) conditions.push(eq(agents.kind, filters.kind));
  if (filters.tag) conditions.push(arrayContains(agents.tags, [filters.tag]));
  if (filters.name !== undefined) conditions.push(eq(agents.name, filters.name));
  if (filters.project_id) conditions.push(eq(agents.projectId, filters.project_id));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(agents.name, pattern), ilike(agents.description, pattern)));
  }
  return listPage(
    db,
    agents,
    and(...conditions),
    [desc(agents.createdAt), desc(agents.id)],
    page,
    withActivity(runningTurns),
  );
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
  scope: TenantScope,
  change: {
    agentId: string;
    version: VersionInsert | null;
    history: HistoryInsert[];
    agent: Partial<AgentRow>;
  },
) {
  const update = tx
    .update(agents)
    .set(change.agent)
    .where(and(inAgentScope(scope), eq(agents.id, change.agentId)));
  await withVersionAndHistory(tx, change.version, change.history, update.getSQL());
}

export async function findVersion(db: Executor, scope: TenantScope, agentId: string, version: number) {
  const [row] = await db
    .select()
    .from(agentVersions)
    .where(
      and(
        inScope(agentVersions.organizationId, scope),
        eq(agentVersions.agentId, agentId),
        eq(agentVersions.version, version),
      ),
    );
  return row;
}

/** Newest first. */
export async function listVersions(db: Executor, scope: TenantScope, agentId: string, page: Page) {
  const where = and(inScope(agentVersions.organizationId, scope), eq(agentVersions.agentId, agentId));
  return listPage(db, agentVersions, where, [desc(agentVersions.version)], page);
}

/** Newest first; `fieldFilter` matches a field and, for a section such as traits, its fields. */
export async function listHistory(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  query: Page & { fieldFilter?: string | undefined },
) {
  const conditions = [inScope(agentHistory.organizationId, scope), eq(agentHistory.agentId, agentId)];
  if (query.fieldFilter) {
    const field = query.fieldFilter;
    const sectionMatch = like(agentHistory.fieldChanged, `${escapeLike(field)}.%`);
    conditions.push(or(eq(agentHistory.fieldChanged, field), sectionMatch) as SQL);
  }
  return listPage(db, agentHistory, and(...conditions), [desc(agentHistory.seq)], query);
}

/**
 * Unscoped: retention across every organization (a maintenance job acting for the operator), in
 * batches so that no single statement holds locks for long.
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

const ofProject = (scope: TenantScope, projectId: string) =>
  and(inScope(agents.organizationId, scope), eq(agents.projectId, projectId));

/** The project's live agents (what keeps it from being deleted). */
export async function countProjectAgents(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(agents)
    .where(and(ofProject(scope, projectId), isNull(agents.deletedAt)));
  return row?.value ?? 0;
}

/** Deleted agents of a project being deleted stop naming it: nothing reads them any more. */
export async function releaseDeletedProjectAgents(db: Executor, scope: TenantScope, projectId: string) {
  await db
    .update(agents)
    .set({ projectId: null })
    .where(and(ofProject(scope, projectId), isNotNull(agents.deletedAt)));
}

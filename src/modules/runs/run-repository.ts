import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inProject, inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { ofAgentsInScope } from '../agents/index.ts';
import { type ActionType, agentActions, type RunStatus, type RunTrigger, runs } from './run-tables.ts';

export type RunRow = typeof runs.$inferSelect;
export type ActionRow = typeof agentActions.$inferSelect;
export type ActionInsert = typeof agentActions.$inferInsert;

export interface AgentActionFilters {
  action_type?: ActionType | undefined;
  run_id?: string | undefined;
  task_id?: string | undefined;
}

export interface RunFilters {
  agent_id?: string | undefined;
  /** The runs of this project's agents (where the agent is now). */
  project_id?: string | undefined;
  session_id?: string | undefined;
  status?: RunStatus | undefined;
  trigger?: RunTrigger | undefined;
}

/** A project-scoped caller's runs are those of its project's agents. */
const inRunScope = (scope: TenantScope) =>
  and(inScope(runs.organizationId, scope), ofAgentsInScope(runs.agentId, scope)) as SQL;

export async function findRun(db: Executor, scope: TenantScope, runId: string) {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(inRunScope(scope), eq(runs.id, runId)));
  return row;
}

/** The organization of a run in any organization, to tell "another organization's" (403) from "missing" (404). */
export async function findRunOrganization(db: Executor, runId: string) {
  const [row] = await db.select({ organizationId: runs.organizationId }).from(runs).where(eq(runs.id, runId));
  return row?.organizationId;
}

/** Newest first. */
export function listRuns(db: Executor, scope: TenantScope, filters: RunFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [inRunScope(scope)];
  if (filters.agent_id) conditions.push(eq(runs.agentId, filters.agent_id));
  // A project-scoped caller's rule, for the named project.
  if (filters.project_id)
    conditions.push(ofAgentsInScope(runs.agentId, inProject(scope, filters.project_id)));
  if (filters.session_id) conditions.push(eq(runs.sessionId, filters.session_id));
  if (filters.status) conditions.push(eq(runs.status, filters.status));
  if (filters.trigger) conditions.push(eq(runs.trigger, filters.trigger));
  return listPage(db, runs, and(...conditions), [desc(runs.startedAt), desc(runs.id)], page);
}

/** The steps of one run, in the order they happened. */
export async function listRunActions(db: Executor, scope: TenantScope, runId: string) {
  return db
    .select()
    .from(agentActions)
    .where(and(inScope(agentActions.organizationId, scope), eq(agentActions.runId, runId)))
    .orderBy(asc(agentActions.sequence));
}

/** A task's steps and those of its runs, oldest first. */
export async function listTaskActions(
  db: Executor,
  scope: TenantScope,
  taskId: string,
  runIds: readonly string[],
) {
  const ofTask = eq(agentActions.taskId, taskId);
  return db
    .select()
    .from(agentActions)
    .where(
      and(
        inScope(agentActions.organizationId, scope),
        runIds.length > 0 ? or(ofTask, inArray(agentActions.runId, [...runIds])) : ofTask,
      ),
    )
    .orderBy(asc(agentActions.id));
}

/** The agent's actions across its runs and tasks, newest first. */
export function listAgentActions(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  filters: AgentActionFilters,
  page: Page,
) {
  const conditions: SQL[] = [inScope(agentActions.organizationId, scope), eq(agentActions.agentId, agentId)];
  if (filters.action_type) conditions.push(eq(agentActions.actionType, filters.action_type));
  if (filters.run_id) conditions.push(eq(agentActions.runId, filters.run_id));
  if (filters.task_id) conditions.push(eq(agentActions.taskId, filters.task_id));
  // Ids are time-ordered, a run's in the order of its steps.
  return listPage(db, agentActions, and(...conditions), [desc(agentActions.id)], page);
}

import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { Principal } from '../tenancy/index.ts';
import * as repository from './run-repository.ts';
import { toActionView, toRunView } from './run-views.ts';

/** Runs and their actions: the execution pipeline's record of what every turn did. */
export function createRunService({
  db,
  requireAgent,
}: {
  db: Database;
  /** Resolves when the agent is one of the principal's organization (the agents module's 403/404). */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
}) {
  return {
    async get(principal: Principal, runId: string) {
      const row = await requireInScope(await repository.findRun(db, principal, runId), 'Run', () =>
        repository.findRunOrganization(db, runId),
      );
      const actions = await repository.listRunActions(db, principal, runId);
      return { ...toRunView(row), actions: actions.map(toActionView) };
    },

    async list(principal: Principal, filters: repository.RunFilters, page: Page) {
      const { rows, total } = await repository.listRuns(db, principal, filters, page);
      return { items: rows.map(toRunView), total };
    },

    /**
     * A task's actions in the order they happened: its own steps and those of its attempts' runs.
     * The caller has checked the task is the principal's to read.
     */
    async taskActions(principal: Principal, taskId: string, runIds: readonly string[]) {
      const rows = await repository.listTaskActions(db, principal, taskId, runIds);
      return rows.map(toActionView);
    },

    /** The agent's actions across its runs; the agent must be one of the caller's organization. */
    async listAgentActions(
      principal: Principal,
      agentId: string,
      filters: repository.AgentActionFilters,
      page: Page,
    ) {
      await requireAgent(principal, agentId);
      const { rows, total } = await repository.listAgentActions(db, principal, agentId, filters, page);
      return { items: rows.map(toActionView), total };
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

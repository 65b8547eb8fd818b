import type { Database, Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import * as repository from './run-repository.ts';
import type { ActionType, RunTrigger, RunUsage } from './run-tables.ts';
import { toActionView, toRunView } from './run-views.ts';

export const emptyUsage = (): RunUsage => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });

/** A step of a run, recorded in memory while the turn runs and stored with the run's end. */
export interface RecordedAction {
  actionType: ActionType;
  actionData: Record<string, unknown>;
  resultData: Record<string, unknown>;
  success: boolean;
  executionTimeMs: number;
  at: Date;
}

/** Collects a run's actions in the order they happen. */
export function createActionLog() {
  const actions: RecordedAction[] = [];
  return {
    record(action: Omit<RecordedAction, 'at'> & { at?: Date }) {
      actions.push({ ...action, at: action.at ?? new Date() });
    },
    all: (): readonly RecordedAction[] => actions,
  };
}
export type ActionLog = ReturnType<typeof createActionLog>;

export interface RunStart {
  agentId: string;
  agentVersion: number;
  sessionId: string | null;
  trigger: RunTrigger;
  input: Record<string, unknown>;
  model: string;
  provider: { id: string; name: string; type: string };
  warnings: string[];
}

/** How a turn ends its run; output (completed) and error (failed, cancelled) are null when absent. */
export type RunEnd = Omit<repository.RunEnd, 'output' | 'error' | 'completedAt' | 'durationMs'> &
  Partial<Pick<repository.RunEnd, 'output' | 'error'>>;

/** Runs and their actions: the execution pipeline's record of what every turn did. */
export function createRunService({ db, events }: { db: Database; events?: EventPublisher }) {
  const writes = repository.prepareRunWrites(events?.announcement);

  /** Live `run-started`, `run-completed`, `run-failed` and `run-cancelled` events (docs/events.md). */
  const encodedEvent = (
    run: repository.RunRow,
    status: repository.RunRow['status'],
    data: Record<string, unknown>,
  ) =>
    events?.encode({
      type: `run-${status === 'running' ? 'started' : status}`,
      organization_id: run.organizationId,
      data: {
        run_id: run.id,
        agent_id: run.agentId,
        session_id: run.sessionId,
        trigger: run.trigger,
        ...data,
      },
    });

  async function missingRun(runId: string): Promise<never> {
    if (await repository.findRunOrganization(db, runId)) throw new ForbiddenError();
    throw new NotFoundError('Run');
  }

  return {
    /**
     * A run is visible (status running) from the moment the model is about to be called. `tx`: the
     * caller's transaction, which `run-started` is published with.
     */
    async start(principal: Principal, start: RunStart, tx?: Executor): Promise<repository.RunRow> {
      const run: repository.RunRow = {
        id: uuidv7(),
        organizationId: principal.organizationId,
        agentId: start.agentId,
        agentVersion: start.agentVersion,
        sessionId: start.sessionId,
        trigger: start.trigger,
        status: 'running',
        input: start.input,
        output: null,
        error: null,
        usage: emptyUsage(),
        costEstimate: null,
        model: start.model,
        providerId: start.provider.id,
        providerName: start.provider.name,
        providerType: start.provider.type,
        fallbackUsed: false,
        warnings: start.warnings,
        startedAt: new Date(),
        completedAt: null,
        durationMs: null,
        createdByUserId: principal.userId,
        createdByApiKeyId: principal.apiKeyId,
      };
      await writes.insertRun(
        tx ?? db,
        run,
        encodedEvent(run, 'running', { model: run.model, provider_id: run.providerId }),
      );
      return run;
    },

    /**
     * Ends the run and stores its actions, together, with the end's event: one statement, in the
     * caller's transaction `tx` or on its own. Returns false when the run had already ended (the
     * abandoned-runs job ended it): then the caller's turn no longer holds the agent.
     */
    async finish(
      principal: Principal,
      run: repository.RunRow,
      end: RunEnd,
      actions: readonly RecordedAction[],
      tx?: Executor,
    ): Promise<boolean> {
      const completedAt = new Date();
      const ids = actions.map(() => uuidv7()).sort();
      const ended: repository.RunEnd = {
        ...end,
        output: end.output ?? null,
        error: end.error ?? null,
        completedAt,
        durationMs: completedAt.getTime() - run.startedAt.getTime(),
      };
      return writes.finishRun(
        tx ?? db,
        principal.organizationId,
        run.id,
        ended,
        actions.map((action, index) => ({
          id: ids[index] as string,
          organizationId: principal.organizationId,
          agentId: run.agentId,
          runId: run.id,
          sequence: index + 1,
          actionType: action.actionType,
          actionData: action.actionData,
          resultData: action.resultData,
          success: action.success,
          executionTimeMs: Math.round(action.executionTimeMs),
          createdAt: action.at,
        })),
        encodedEvent(run, ended.status, {
          usage: ended.usage,
          cost_estimate: ended.costEstimate,
          error_code: ended.error?.code ?? null,
        }),
      );
    },

    async get(principal: Principal, runId: string) {
      const row =
        (await repository.findRun(db, principal.organizationId, runId)) ?? (await missingRun(runId));
      const actions = await repository.listRunActions(db, principal.organizationId, runId);
      return { ...toRunView(row), actions: actions.map(toActionView) };
    },

    async list(principal: Principal, filters: repository.RunFilters, page: repository.Page) {
      const { rows, total } = await repository.listRuns(db, principal.organizationId, filters, page);
      return { items: rows.map(toRunView), total };
    },

    /** The caller checks that the agent is one of the principal's organization. */
    async listAgentActions(
      principal: Principal,
      agentId: string,
      filters: Parameters<typeof repository.listAgentActions>[3],
      page: repository.Page,
    ) {
      const { rows, total } = await repository.listAgentActions(
        db,
        principal.organizationId,
        agentId,
        filters,
        page,
      );
      return { items: rows.map(toActionView), total };
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

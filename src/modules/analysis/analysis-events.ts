import type { Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { RunRow, RunStatistics } from './analysis-repository.ts';

export const ANALYSIS_RUN_STARTED = 'analysis-run-started';
export const ANALYSIS_RUN_PROGRESS = 'analysis-run-progress';
export const ANALYSIS_RUN_COMPLETED = 'analysis-run-completed';
export const ANALYSIS_RUN_FAILED = 'analysis-run-failed';
export const ANALYSIS_RUN_CANCELLED = 'analysis-run-cancelled';

/** Progress events of a run are at most this often. */
const PROGRESS_INTERVAL_MS = 1_000;

const counts = (statistics: RunStatistics | undefined, itemsTotal: number) =>
  statistics
    ? {
        items_total: itemsTotal,
        items_done: statistics.itemsDone,
        items_failed: statistics.itemsFailed,
        llm_tokens_used: statistics.inputTokens + statistics.outputTokens,
        cost_estimate: statistics.costEstimate,
      }
    : { items_total: itemsTotal };

/** The live event of a run's change (docs/events.md); inside `tx`, sent if and only if it commits. */
export const publishRunEvent = (
  events: Pick<EventPublisher, 'publish'>,
  type: string,
  run: RunRow,
  options: { statistics?: RunStatistics | undefined; tx?: Executor | undefined } = {},
) =>
  events.publish(
    {
      type,
      organization_id: run.organizationId,
      data: {
        run_id: run.id,
        assignment_id: run.assignmentId,
        agent_id: run.agentId,
        status: run.status,
        ...counts(options.statistics, run.itemsTotal),
        ...(run.error ? { error_code: run.error.code } : {}),
      },
    },
    options.tx ? { tx: options.tx } : undefined,
  );

/** Calls `publish` at most once per interval; a call within it is dropped (the next one reports the newer state). */
export function throttled(publish: () => Promise<void>, intervalMs = PROGRESS_INTERVAL_MS) {
  let last = 0;
  return async () => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    await publish();
  };
}

import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { failAbandonedRuns } from './run-repository.ts';

/** No turn outlives the largest `timeout_seconds` (3,600 s); a margin covers saving its results. */
export const ABANDONED_AFTER_MS = 65 * 60_000;

/**
 * Every five minutes, ends the runs of processes that died mid-turn (DESIGN section 7b: nothing
 * stays in flight forever), so that dashboards and the agent's own state do not show them running.
 */
export function abandonedRunsJob(db: Database, events: EventPublisher): JobDefinition {
  return {
    queue: {
      name: 'maintenance-abandoned-runs',
      options: { retryLimit: 2, retryBackoff: true },
      deadLetter: true,
    },
    schedule: '*/5 * * * *',
    handle: async () => {
      const failed = await failAbandonedRuns(db, new Date(Date.now() - ABANDONED_AFTER_MS));
      for (const run of failed) {
        await events.publish({
          type: 'run-failed',
          organization_id: run.organizationId,
          data: {
            run_id: run.id,
            agent_id: run.agentId,
            session_id: run.sessionId,
            trigger: run.trigger,
            error_code: 'abandoned',
          },
        });
      }
    },
  };
}

import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { AgentService } from '../agents/index.ts';
import { failAbandonedRuns } from './run-repository.ts';

/** No turn outlives the largest `timeout_seconds` (3,600 s); a margin covers saving its results. */
export const ABANDONED_AFTER_MS = 65 * 60_000;

/**
 * Every five minutes, ends the runs of processes that died mid-turn (DESIGN section 7b: nothing
 * stays in flight forever), so that dashboards and the agent's own state do not show them running:
 * each such run ends failed, its agent is released (one turn fewer in flight), and `run-failed`
 * is announced, all in one transaction.
 */
export function abandonedRunsJob(
  db: Database,
  events: Pick<EventPublisher, 'publish'>,
  agents: Pick<AgentService, 'recordTurnAbandoned'>,
): JobDefinition {
  return {
    queue: {
      name: 'maintenance-abandoned-runs',
      options: { retryLimit: 2, retryBackoff: true },
      deadLetter: true,
    },
    schedule: '*/5 * * * *',
    handle: async () => {
      await db.transaction(async (tx) => {
        const failed = await failAbandonedRuns(tx, new Date(Date.now() - ABANDONED_AFTER_MS));
        for (const run of failed) {
          await agents.recordTurnAbandoned(run.organizationId, run.agentId, tx);
          await events.publish(
            {
              type: 'run-failed',
              organization_id: run.organizationId,
              data: {
                run_id: run.id,
                agent_id: run.agentId,
                session_id: run.sessionId,
                trigger: run.trigger,
                error_code: 'abandoned',
              },
            },
            { tx },
          );
        }
      });
    },
  };
}

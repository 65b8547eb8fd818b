import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue, QueuedJob } from '../../platform/queue/job-queue.ts';
import { recordTaskSteps } from '../runs/index.ts';
import { AGENT_TASKS_QUEUE, publishTaskEvent, type TaskJob, taskStep } from './task-queue.ts';
import * as repository from './task-repository.ts';

/** How long a task over its agent's concurrency waits before its job is offered again. */
const CAPACITY_RETRY_MS = 250;

/** Thrown inside the claim's transaction to roll it back: the agent runs as many tasks as it may. */
class AgentAtCapacity extends Error {}

/**
 * Claims a task's attempt for the job delivering it, with its `task_started` step and event;
 * undefined when the task must not run now. The agent's concurrency is checked last, so that the
 * per-agent lock it takes is held only until the commit (taken first, it serialized every claim of
 * a busy agent behind the whole transaction). An agent at its limit has the claim rolled back and
 * the job put back on the queue a moment later.
 */
export function taskClaimer({
  db,
  queue,
  events,
  agentMaxConcurrency,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  agentMaxConcurrency: number;
}) {
  /** Puts the job back for later, if the task still waits for this attempt. */
  const putBack = (job: QueuedJob<TaskJob>, scope: TenantScope, agentId: string) =>
    db.transaction(async (tx) => {
      const waiting = await repository.findTask(tx, scope, job.data.taskId);
      const stillWaiting =
        waiting &&
        ['queued', 'scheduled', 'failed'].includes(waiting.status) &&
        waiting.attemptCount === job.data.attempt - 1;
      if (!stillWaiting) return;
      const later = new Date(Date.now() + CAPACITY_RETRY_MS * (1 + Math.random()));
      const jobId = await queue.send(AGENT_TASKS_QUEUE, job.data, {
        tx,
        priority: waiting.priority,
        startAfter: later,
        group: agentId,
      });
      await repository.updateTask(tx, scope, waiting.id, { queueJobId: jobId });
    });

  return async (job: QueuedJob<TaskJob>, scope: TenantScope) => {
    const { taskId, attempt } = job.data;
    const redelivery = job.attempt > 0;
    try {
      return await db.transaction(async (tx) => {
        const claimed = await repository.claimAttempt(tx, scope, taskId, attempt, redelivery);
        if (!claimed) return undefined;
        await recordTaskSteps(tx, [
          taskStep(claimed, 'task_started', { actionData: { redelivery, queue_job_id: job.id } }),
        ]);
        await publishTaskEvent(events, 'task-started', claimed, tx);
        if (await repository.agentAtCapacity(tx, scope, claimed.agentId, taskId, agentMaxConcurrency)) {
          throw new AgentAtCapacity();
        }
        return claimed;
      });
    } catch (error) {
      if (!(error instanceof AgentAtCapacity)) throw error;
      const agentId = job.data.agentId ?? (await repository.findTask(db, scope, taskId))?.agentId;
      if (agentId) await putBack(job, scope, agentId);
      return undefined;
    }
  };
}

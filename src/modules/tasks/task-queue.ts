import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { TaskStep } from '../runs/index.ts';
import type { TaskRow } from './task-repository.ts';
import * as repository from './task-repository.ts';

export const AGENT_TASKS_QUEUE = 'agent-tasks';

/** One attempt of a task on the queue: the attempt the task must still be waiting for. */
export interface TaskJob {
  organizationId: string;
  /** Absent from jobs queued before it was added: the handler reads it from the task then. */
  agentId?: string;
  taskId: string;
  attempt: number;
}

/** The live event of a task's change (docs/events.md). */
export const publishTaskEvent = (
  events: Pick<EventPublisher, 'publish'>,
  type: string,
  task: TaskRow,
  tx?: Executor,
) =>
  events.publish(
    {
      type,
      organization_id: task.organizationId,
      data: {
        task_id: task.id,
        agent_id: task.agentId,
        task_type: task.taskType,
        status: task.status,
        priority: task.priority,
        attempt: task.attemptCount,
        ...(task.error ? { error_code: task.error.code } : {}),
      },
    },
    tx ? { tx } : undefined,
  );

/** A step of the task for its agent's actions (`task_*`, see run-tables.ts). */
export const taskStep = (
  task: TaskRow,
  actionType: TaskStep['actionType'],
  step: Partial<Pick<TaskStep, 'actionData' | 'resultData' | 'runId' | 'executionTimeMs'>> & {
    success?: boolean;
  } = {},
): TaskStep => ({
  organizationId: task.organizationId,
  agentId: task.agentId,
  taskId: task.id,
  actionType,
  actionData: { attempt: task.attemptCount, ...step.actionData },
  success: step.success ?? true,
  ...(step.resultData ? { resultData: step.resultData } : {}),
  ...(step.runId ? { runId: step.runId } : {}),
  ...(step.executionTimeMs !== undefined ? { executionTimeMs: step.executionTimeMs } : {}),
});

/** The `task_queued` step of a task just queued (or scheduled). */
export const queuedStep = (task: TaskRow) =>
  taskStep(task, 'task_queued', {
    actionData: {
      status: task.status,
      queue_job_id: task.queueJobId,
      ...(task.status === 'scheduled' && task.scheduledAt
        ? { start_after: task.scheduledAt.toISOString() }
        : {}),
    },
  });

/** The queue job of a task's next attempt, in the caller's transaction; its id. */
export async function sendAttemptJob(
  tx: Executor,
  queue: Pick<JobQueue, 'send'>,
  scope: TenantScope,
  task: Pick<TaskRow, 'id' | 'agentId' | 'priority' | 'attemptCount'>,
  notBefore: Date | null,
): Promise<string | null> {
  const job: TaskJob = {
    organizationId: scope.organizationId,
    agentId: task.agentId,
    taskId: task.id,
    attempt: task.attemptCount + 1,
  };
  return queue.send(AGENT_TASKS_QUEUE, job, {
    tx,
    priority: task.priority,
    group: task.agentId,
    ...(notBefore ? { startAfter: notBefore } : {}),
  });
}

/** `scheduled` while `notBefore` is in the future, else `queued`. */
export const waitingStatus = (notBefore: Date | null) =>
  notBefore && notBefore.getTime() > Date.now() ? 'scheduled' : 'queued';

/**
 * Puts the task's next attempt on the queue, in the caller's transaction (the row and its job
 * commit together, DESIGN 7b), by priority, not before `notBefore`. The task becomes `scheduled`
 * when that is in the future and `queued` otherwise, with the job's id.
 */
export async function enqueueAttempt(
  tx: Executor,
  queue: Pick<JobQueue, 'send'>,
  scope: TenantScope,
  task: TaskRow,
  notBefore: Date | null,
  status: 'queued' | 'scheduled' | 'failed' = waitingStatus(notBefore),
): Promise<TaskRow> {
  const jobId = await sendAttemptJob(tx, queue, scope, task, notBefore);
  return repository.updateTask(tx, scope, task.id, {
    status,
    queueJobId: jobId,
    queuedAt: new Date(),
  });
}

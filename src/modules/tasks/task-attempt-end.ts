import type { Logger } from 'pino';
import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { recordTaskSteps, type TaskStep } from '../runs/index.ts';
import { enqueueAttempt, publishTaskEvent, taskStep } from './task-queue.ts';
import * as repository from './task-repository.ts';

/** Called in the transaction that ends a task for good (completed, dead or cancelled). */
export type TaskEndListener = (tx: Executor, task: repository.TaskRow) => Promise<void>;

export interface AttemptEndDeps {
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  endListeners: readonly TaskEndListener[];
  log: Pick<Logger, 'warn'>;
}

/** An attempt a worker of this process runs. */
export interface RunningAttempt {
  scope: TenantScope;
  taskId: string;
  attempt: number;
  /** `performance.now()` when it was claimed. */
  startedAt: number;
}

export type AttemptOutcome = Parameters<typeof repository.endAttempt>[4];

/**
 * Ends a running attempt in the caller's transaction: the task's new status, the attempt's, the
 * step as an action, the event and, for a task that ended for good, the end listeners (a channel's
 * reply). `next`: the task waits as failed and its next attempt is queued for then. False when the
 * task no longer runs this attempt (a newer delivery ended it).
 */
export async function endTaskAttempt(
  tx: Executor,
  deps: AttemptEndDeps,
  running: RunningAttempt,
  outcome: AttemptOutcome,
  step: TaskStep['actionType'],
  next?: Date,
): Promise<boolean> {
  const { scope, taskId, attempt } = running;
  const ended = await repository.endAttempt(tx, scope, taskId, attempt, outcome);
  if (!ended) return false;
  const current = next ? await enqueueAttempt(tx, deps.queue, scope, ended, next, 'failed') : ended;
  await recordTaskSteps(tx, [
    taskStep(current, step, {
      runId: outcome.runId,
      success: step === 'task_completed',
      executionTimeMs: performance.now() - running.startedAt,
      ...(outcome.error ? { resultData: { error: outcome.error } } : {}),
      ...(next ? { actionData: { retry_at: next.toISOString() } } : {}),
    }),
  ]);
  await publishTaskEvent(deps.events, step.replace('_', '-'), current, tx);
  if (outcome.finished) for (const listener of deps.endListeners) await listener(tx, current);
  if (current.status === 'dead') {
    // For operators: a task that needs a person (retry it by hand once the cause is fixed).
    deps.log.warn(
      {
        event: 'task_dead',
        task_id: taskId,
        agent_id: current.agentId,
        organization_id: scope.organizationId,
        error: outcome.error,
      },
      'A task is dead after its last attempt',
    );
  }
  return true;
}

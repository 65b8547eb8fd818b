import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { TurnEngine } from '../execution/index.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import { AGENT_TASKS_QUEUE, enqueueAttempt, publishTaskEvent, type TaskJob } from './task-queue.ts';
import * as repository from './task-repository.ts';
import type { TaskError } from './task-tables.ts';

/** Statuses of errors worth another attempt: rate limits, unavailable services, timeouts. */
const RETRYABLE_STATUSES = new Set([429, 503, 504]);
/** pg-boss's own retries of a job whose worker died or lost the database; our attempts are separate. */
const REDELIVERIES = 5;

export interface TaskRetrySettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What the model is given for a task: its type, its message when it has one, and its data. */
export function taskMessage(task: Pick<repository.TaskRow, 'taskType' | 'taskData'>): string {
  const message = typeof task.taskData.message === 'string' ? task.taskData.message : null;
  return [
    `Task (${task.taskType})${message ? `: ${message}` : ''}`,
    `Task data: ${JSON.stringify(task.taskData)}`,
  ].join('\n');
}

/** Exponential backoff with full jitter: a random wait up to base x 2^(attempt - 1), capped. */
export const retryDelayMs = (attempt: number, settings: TaskRetrySettings, random = Math.random) =>
  Math.round(random() * Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1)));

const taskErrorOf = (error: unknown): { error: TaskError; retryable: boolean } =>
  error instanceof AppError
    ? { error: { code: error.code, message: error.message }, retryable: RETRYABLE_STATUSES.has(error.status) }
    : { error: { code: 'internal_error', message: 'The task failed unexpectedly' }, retryable: true };

/**
 * Runs a task's attempt as a turn (trigger `task`) under a background principal acting for the
 * task's creator. Delivery is at least once: the attempt acts only while the task still waits for
 * it (or still runs it, when its worker died), so a stale delivery never runs or ends a newer
 * attempt. A retryable failure queues the next attempt with backoff and jitter in the transaction
 * that records it; a task out of attempts, or failing for good, is `dead`. A cancellation request
 * stops the turn and the task ends `cancelled`.
 */
export function agentTaskJob({
  db,
  queue,
  events,
  turns,
  retry,
  concurrency,
  running,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  turns: Pick<TurnEngine, 'run'>;
  retry: TaskRetrySettings;
  concurrency: number;
  /** The tasks this process runs, by id: a cancellation request aborts one. */
  running: Map<string, AbortController>;
}): JobDefinition<TaskJob> {
  return {
    queue: {
      name: AGENT_TASKS_QUEUE,
      // A queued task starts at once (the queue wakes its workers), not at the next poll.
      options: {
        retryLimit: REDELIVERIES,
        retryDelay: 1,
        retryBackoff: true,
        expireInSeconds: 15 * 60,
        notify: true,
      },
      deadLetter: true,
    },
    concurrency,
    handle: async (job) => {
      const { taskId, attempt } = job.data;
      const scope = { organizationId: job.data.organizationId };
      const task = await db.transaction(async (tx) => {
        const claimed = await repository.claimAttempt(tx, scope, taskId, attempt, job.attempt > 0);
        if (claimed) await publishTaskEvent(events, 'task-started', claimed, tx);
        return claimed;
      });
      if (!task) return;
      const cancellation = new AbortController();
      running.set(taskId, cancellation);
      let runId: string | null = null;
      const end = (outcome: Parameters<typeof repository.endAttempt>[4], event: string, next?: Date) =>
        db.transaction(async (tx) => {
          const ended = await repository.endAttempt(tx, scope, taskId, attempt, outcome);
          if (!ended) return;
          const current = next ? await enqueueAttempt(tx, queue, scope, ended, next, 'failed') : ended;
          await publishTaskEvent(events, event, current, tx);
        });
      try {
        const principal = backgroundPrincipal({
          organizationId: scope.organizationId,
          trigger: 'task',
          role: 'agent_user',
          actingUserId: task.createdByUserId,
          actingApiKeyId: task.createdByApiKeyId,
        });
        const summary = await turns.run(
          { principal, agentId: task.agentId, trigger: 'task', message: taskMessage(task) },
          {
            signal: AbortSignal.any([cancellation.signal, job.signal]),
            onRunStarted: (started) => {
              runId = started;
            },
          },
        );
        await end(
          {
            taskStatus: 'completed',
            attemptStatus: 'completed',
            result: { answer: summary.content, structured_output: summary.structured_output },
            runId: summary.run_id,
            finished: true,
          },
          'task-completed',
        );
      } catch (error) {
        // The queue stopped the job (shutdown, expiry): its redelivery runs this attempt again.
        if (job.signal.aborted && !cancellation.signal.aborted) throw error;
        if (cancellation.signal.aborted) {
          const cancelled = { code: 'cancelled', message: 'The task was cancelled while it ran' };
          await end(
            {
              taskStatus: 'cancelled',
              attemptStatus: 'cancelled',
              error: cancelled,
              runId,
              finished: true,
            },
            'task-cancelled',
          );
          return;
        }
        const { error: failure, retryable } = taskErrorOf(error);
        if (retryable && attempt - task.attemptsBeforeRetry < task.maxAttempts) {
          const next = new Date(Date.now() + retryDelayMs(attempt, retry));
          await end(
            { taskStatus: 'failed', attemptStatus: 'failed', error: failure, runId, finished: false },
            'task-failed',
            next,
          );
        } else {
          await end(
            { taskStatus: 'dead', attemptStatus: 'failed', error: failure, runId, finished: true },
            'task-dead',
          );
        }
      } finally {
        running.delete(taskId);
      }
    },
  };
}

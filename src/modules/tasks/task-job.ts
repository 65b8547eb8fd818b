import type { JSONSchema7 } from 'ai';
import type { Logger } from 'pino';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { ResolveForTask } from '../definitions/index.ts';
import type { TurnEngine } from '../execution/index.ts';
import type { TaskStep } from '../runs/index.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import {
  type AttemptOutcome,
  endTaskAttempt,
  type RunningAttempt,
  type TaskEndListener,
} from './task-attempt-end.ts';
import { taskClaimer } from './task-claim.ts';
import type { AttemptsByRun } from './task-completion-hook.ts';
import { AGENT_TASKS_QUEUE, type TaskJob } from './task-queue.ts';
import type * as repository from './task-repository.ts';
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

const taskErrorOf = (error: unknown): { error: TaskError; retryable: boolean; retryAfterMs: number } =>
  error instanceof AppError
    ? {
        error: { code: error.code, message: error.message },
        retryable: RETRYABLE_STATUSES.has(error.status),
        retryAfterMs: (error.retryAfterSeconds ?? 0) * 1000,
      }
    : {
        error: { code: 'internal_error', message: 'The task failed unexpectedly' },
        retryable: true,
        retryAfterMs: 0,
      };

/**
 * Runs a task's attempt as a turn (trigger `task`) under a background principal acting for the
 * task's creator. Delivery is at least once: the attempt acts only while the task still waits for
 * it (or still runs it, when its worker died), so a stale delivery never runs or ends a newer
 * attempt. An agent runs at most `agentMaxConcurrency` tasks at once; a task over it is put back
 * on the queue a moment later. A retryable failure queues the next attempt with backoff and
 * jitter in the transaction that records it; a task out of attempts, or failing for good, is
 * `dead`. A cancellation request stops the turn and the task ends `cancelled`. Every step is an
 * action of the agent, and the end listeners (channel replies) run in the transaction of the end.
 */
export function agentTaskJob({
  db,
  queue,
  events,
  turns,
  retry,
  concurrency,
  agentMaxConcurrency,
  cancellations,
  attemptsByRun,
  endListeners,
  resolveDefinition,
  log,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  turns: Pick<TurnEngine, 'run'>;
  retry: TaskRetrySettings;
  concurrency: number;
  agentMaxConcurrency: number;
  /** The tasks this process runs, by id: a cancellation request aborts one. */
  cancellations: Map<string, AbortController>;
  /** The attempts whose turns run in this process, for the hook that completes them. */
  attemptsByRun: AttemptsByRun;
  endListeners: readonly TaskEndListener[];
  /** The task definition a task's type names for its agent (the definitions module), if any. */
  resolveDefinition: ResolveForTask;
  log: Pick<Logger, 'warn'>;
}): JobDefinition<TaskJob> {
  const claim = taskClaimer({ db, queue, events, agentMaxConcurrency });

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
    // Jobs of an agent at its limit are not even fetched; the claim's count is the exact check.
    groupConcurrency: agentMaxConcurrency,
    handle: async (job) => {
      const { taskId, attempt } = job.data;
      const scope = { organizationId: job.data.organizationId };
      const task = await claim(job, scope);
      if (!task) return;
      const running: RunningAttempt = { scope, taskId, attempt, startedAt: performance.now() };
      const cancellation = new AbortController();
      cancellations.set(taskId, cancellation);
      let runId: string | null = null;
      const deps = { queue, events, endListeners, log };
      const end = (outcome: AttemptOutcome, step: TaskStep['actionType'], next?: Date) =>
        db.transaction((tx) => endTaskAttempt(tx, deps, running, outcome, step, next));
      try {
        try {
          const principal = backgroundPrincipal({
            organizationId: scope.organizationId,
            trigger: 'task',
            role: 'agent_user',
            actingUserId: task.createdByUserId,
            actingApiKeyId: task.createdByApiKeyId,
          });
          // A task whose type names a task definition assigned to the agent answers in its schema.
          const definition = await resolveDefinition(scope, task.agentId, task.taskType);
          const summary = await turns.run(
            {
              principal,
              agentId: task.agentId,
              trigger: 'task',
              message: definition ? `${definition.instructions}\n\n${taskMessage(task)}` : taskMessage(task),
              ...(definition
                ? {
                    responseSchema: definition.responseSchema as JSONSchema7,
                    metadata: {
                      task_definition_id: definition.definitionId,
                      task_definition_version: definition.version,
                    },
                  }
                : {}),
            },
            {
              signal: AbortSignal.any([cancellation.signal, job.signal]),
              onRunStarted: (started) => {
                runId = started;
                attemptsByRun.set(started, { ...running, completed: false });
              },
            },
          );
          // Usually completed with the turn's end (taskCompletionHook).
          if (attemptsByRun.get(summary.run_id)?.completed) return;
          await end(
            {
              taskStatus: 'completed',
              attemptStatus: 'completed',
              result: { answer: summary.content, structured_output: summary.structured_output },
              runId: summary.run_id,
              finished: true,
            },
            'task_completed',
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
              'task_cancelled',
            );
            return;
          }
          const { error: failure, retryable, retryAfterMs } = taskErrorOf(error);
          if (retryable && attempt - task.attemptsBeforeRetry < task.maxAttempts) {
            // Never sooner than the refusal says: a spent budget renews only when its period ends.
            const next = new Date(Date.now() + Math.max(retryDelayMs(attempt, retry), retryAfterMs));
            await end(
              { taskStatus: 'failed', attemptStatus: 'failed', error: failure, runId, finished: false },
              'task_failed',
              next,
            );
          } else {
            await end(
              { taskStatus: 'dead', attemptStatus: 'failed', error: failure, runId, finished: true },
              'task_dead',
            );
          }
        }
      } catch (error) {
        // The attempt stays `running` (and counts toward its agent's concurrency) until its job is
        // redelivered: operators should see why.
        log.warn(
          { event: 'task_attempt_interrupted', task_id: taskId, attempt, err: error },
          'A task attempt stopped before its end was recorded; its job will be delivered again',
        );
        throw error;
      } finally {
        cancellations.delete(taskId);
        if (runId) attemptsByRun.delete(runId);
      }
    },
  };
}

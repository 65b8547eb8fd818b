import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { type ActionView, recordTaskSteps } from '../runs/index.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import { createTask, type NewTask } from './task-intake.ts';
import { enqueueAttempt, publishTaskEvent, queuedStep, taskStep } from './task-queue.ts';
import * as repository from './task-repository.ts';
import type { CreateTaskBody, TaskView } from './task-schemas.ts';
import { toAttemptView, toTaskView } from './task-views.ts';

/** Statuses from which a task can be queued, cancelled or retried. */
const queueable = new Set(['pending']);
const alreadyQueued = new Set(['queued', 'scheduled']);
const cancellable = new Set(['pending', 'scheduled', 'queued', 'failed']);
const retryable = new Set(['dead', 'failed']);

/**
 * Agents' autonomous tasks (seed 000 phase 4): created (from the API, later from channels),
 * queued by priority on the `agent-tasks` queue, run as turns by the task job, cancelled and
 * retried. A running task asked to cancel is stopped by its worker (`onCancelRequested`).
 */
export function createTaskService({
  db,
  queue,
  events,
  requireAgent,
  taskActions,
  onCancelRequested,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  /** A task's steps and its runs' (the runs module). */
  taskActions: (principal: Principal, taskId: string, runIds: readonly string[]) => Promise<ActionView[]>;
  /** Tells whichever process runs the task to stop it. */
  onCancelRequested: (task: repository.TaskRow) => Promise<void>;
}) {
  async function requireTask(principal: Principal, agentId: string, taskId: string) {
    await requireAgent(principal, agentId);
    const task = await repository.findTask(db, principal, taskId);
    if (!task || task.agentId !== agentId) throw new NotFoundError('Task');
    return task;
  }

  /** A state change under the task's row lock, with its event in the same transaction. */
  async function change(
    principal: Principal,
    agentId: string,
    taskId: string,
    apply: (
      tx: Parameters<Parameters<Database['transaction']>[0]>[0],
      task: repository.TaskRow,
    ) => Promise<{
      task: repository.TaskRow;
      event: string | null;
    }>,
  ) {
    requirePermission(principal, 'agents:execute');
    await requireAgent(principal, agentId);
    return db.transaction(async (tx) => {
      const locked = await repository.lockTask(tx, principal, agentId, taskId);
      if (!locked) throw new NotFoundError('Task');
      const { task, event } = await apply(tx, locked);
      if (event) await publishTaskEvent(events, event, task, tx);
      return task;
    });
  }

  return {
    /** 201 with a new task; 200 with the existing one when its idempotency key was used before. */
    async create(principal: Principal, agentId: string, body: CreateTaskBody) {
      requirePermission(principal, 'agents:execute');
      await requireAgent(principal, agentId);
      if (body.idempotency_key) {
        const known = await repository.findTaskByIdempotencyKey(db, principal, agentId, body.idempotency_key);
        if (known) return { created: false, task: toTaskView(known) };
      }
      const task = await db.transaction((tx) =>
        createTask(tx, { queue, events }, principal, {
          agentId,
          taskType: body.task_type,
          taskData: body.task_data ?? {},
          priority: body.priority,
          maxAttempts: body.max_attempts,
          scheduledAt: body.scheduled_at ? new Date(body.scheduled_at) : null,
          idempotencyKey: body.idempotency_key,
          source: 'api',
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
          queue: body.queue ?? false,
        }),
      );
      // Undefined: the same key committed by a concurrent request.
      if (task) return { created: true, task: toTaskView(task) };
      const known = await repository.findTaskByIdempotencyKey(
        db,
        principal,
        agentId,
        body.idempotency_key ?? '',
      );
      if (!known) throw new Error('A task conflicted on its idempotency key and cannot be found');
      return { created: false, task: toTaskView(known) };
    },

    /**
     * A task from a channel or a schedule, for an agent the caller has resolved: created and queued
     * once per idempotency key (a redelivered message finds the task it created).
     */
    async receive(scope: TenantScope, input: NewTask & { idempotencyKey: string }) {
      const task = await db.transaction((tx) => createTask(tx, { queue, events }, scope, input));
      if (task) return { created: true, task };
      const known = await repository.findTaskByIdempotencyKey(db, scope, input.agentId, input.idempotencyKey);
      if (!known) throw new Error('A task conflicted on its idempotency key and cannot be found');
      return { created: false, task: known };
    },

    async queue(principal: Principal, agentId: string, taskId: string): Promise<TaskView> {
      const task = await change(principal, agentId, taskId, async (tx, locked) => {
        if (alreadyQueued.has(locked.status)) return { task: locked, event: null };
        if (!queueable.has(locked.status)) {
          throw new ConflictError('task_not_queueable', `A ${locked.status} task cannot be queued`, {
            status: locked.status,
          });
        }
        const queued = await enqueueAttempt(tx, queue, principal, locked, locked.scheduledAt);
        await recordTaskSteps(tx, [queuedStep(queued)]);
        return { task: queued, event: 'task-queued' };
      });
      return toTaskView(task);
    },

    /**
     * Cancels a task that has not started (it never runs); a running task is asked to stop, and
     * its worker ends it `cancelled`.
     */
    async cancel(principal: Principal, agentId: string, taskId: string): Promise<TaskView> {
      let running: repository.TaskRow | undefined;
      const task = await change(principal, agentId, taskId, async (tx, locked) => {
        const now = new Date();
        if (locked.status === 'running') {
          running = await repository.updateTask(tx, principal, taskId, { cancelRequestedAt: now });
          return { task: running, event: null };
        }
        if (!cancellable.has(locked.status)) {
          throw new ConflictError('task_not_cancellable', `A ${locked.status} task cannot be cancelled`, {
            status: locked.status,
          });
        }
        const cancelled = await repository.updateTask(tx, principal, taskId, {
          status: 'cancelled',
          cancelRequestedAt: now,
          completedAt: now,
        });
        await recordTaskSteps(tx, [
          taskStep(cancelled, 'task_cancelled', { actionData: { was: locked.status } }),
        ]);
        return { task: cancelled, event: 'task-cancelled' };
      });
      if (running) await onCancelRequested(running);
      return toTaskView(task);
    },

    /** A dead or failed task runs again, with `max_attempts` more attempts. */
    async retry(principal: Principal, agentId: string, taskId: string): Promise<TaskView> {
      const task = await change(principal, agentId, taskId, async (tx, locked) => {
        if (!retryable.has(locked.status)) {
          throw new ConflictError('task_not_retryable', `A ${locked.status} task cannot be retried`, {
            status: locked.status,
          });
        }
        // Attempt numbers go on (the history keeps every attempt); max_attempts counts afresh.
        const reset = await repository.updateTask(tx, principal, taskId, {
          attemptsBeforeRetry: locked.attemptCount,
          error: null,
          completedAt: null,
        });
        const queued = await enqueueAttempt(tx, queue, principal, reset, null);
        await recordTaskSteps(tx, [queuedStep(queued)]);
        return { task: queued, event: 'task-queued' };
      });
      return toTaskView(task);
    },

    /** `ofAgent`: the agent's own list (403/404 for an agent the caller cannot read); else a filter. */
    async list(principal: Principal, filters: repository.TaskFilters, page: Page, ofAgent = false) {
      if (ofAgent && filters.agentId) await requireAgent(principal, filters.agentId);
      const { rows, total } = await repository.listTasks(db, principal, filters, page);
      return { items: rows.map(toTaskView), total };
    },

    async get(principal: Principal, agentId: string, taskId: string) {
      const task = await requireTask(principal, agentId, taskId);
      const attempts = await repository.listAttempts(db, principal, taskId);
      const runIds = [...new Set(attempts.flatMap((attempt) => (attempt.runId ? [attempt.runId] : [])))];
      const actions = await taskActions(principal, taskId, runIds);
      return { ...toTaskView(task), attempts: attempts.map(toAttemptView), actions };
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;

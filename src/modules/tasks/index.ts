import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { ResolveForTask } from '../definitions/index.ts';
import type { TurnEngine, TurnRegistry } from '../execution/index.ts';
import type { ActionView } from '../runs/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import type { TaskEndListener } from './task-attempt-end.ts';
import { type AttemptsByRun, taskCompletionHook } from './task-completion-hook.ts';
import { agentTaskJob, type TaskRetrySettings } from './task-job.ts';
import { publishTaskEvent } from './task-queue.ts';
import { taskRoutes } from './task-routes.ts';
import { taskScheduleJob } from './task-schedule-job.ts';
import { taskScheduleRoutes } from './task-schedule-routes.ts';
import { createTaskScheduleService } from './task-schedule-service.ts';
import { createTaskService } from './task-service.ts';
import { taskStats } from './task-stats.ts';

/** Published when a running task is asked to stop; whichever process runs it aborts its turn. */
const TASK_CANCEL_REQUESTED = 'task-cancel-requested';

export interface TasksOptions {
  db: Database;
  guard: AccessGuard;
  queue: JobQueue;
  jobs: JobRegistry;
  events: Pick<EventBus, 'publish' | 'watch'>;
  turns: Pick<TurnEngine, 'run'>;
  turnRegistry: Pick<TurnRegistry, 'addHook'>;
  /** The task definition a task's type names for its agent, if any (the definitions module). */
  resolveDefinition: ResolveForTask;
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  taskActions: (principal: Principal, taskId: string, runIds: readonly string[]) => Promise<ActionView[]>;
  settings: { workerConcurrency: number; agentMaxConcurrency: number; retry: TaskRetrySettings };
}

/**
 * Autonomous work (seed 000 phase 4): agents' tasks, queued by priority and run as turns by the
 * `agent-tasks` workers with retries, dead letters and cancellation (docs/tasks.md).
 */
export async function registerTasks(app: FastifyInstance, options: TasksOptions) {
  const cancellations = new Map<string, AbortController>();
  const attemptsByRun: AttemptsByRun = new Map();
  const endListeners: TaskEndListener[] = [];
  options.turnRegistry.addHook(
    taskCompletionHook(
      { queue: options.queue, events: options.events, endListeners, log: app.log },
      attemptsByRun,
    ),
  );
  options.events.watch({
    event(event) {
      if (event.type === TASK_CANCEL_REQUESTED) cancellations.get(String(event.data.task_id))?.abort();
    },
    gap: () => {},
  });
  const service = createTaskService({
    db: options.db,
    queue: options.queue,
    events: options.events,
    requireAgent: options.requireAgent,
    taskActions: options.taskActions,
    onCancelRequested: (task) => publishTaskEvent(options.events, TASK_CANCEL_REQUESTED, task),
  });
  await app.register(
    taskRoutes(service, (principal) => taskStats(options.db, principal), options.guard),
    { prefix: '/api/v1' },
  );
  options.jobs.add(
    agentTaskJob({
      db: options.db,
      queue: options.queue,
      events: options.events,
      turns: options.turns,
      retry: options.settings.retry,
      concurrency: options.settings.workerConcurrency,
      agentMaxConcurrency: options.settings.agentMaxConcurrency,
      cancellations,
      attemptsByRun,
      endListeners,
      resolveDefinition: options.resolveDefinition,
      log: app.log,
    }),
  );
  const schedules = createTaskScheduleService({ db: options.db, requireAgent: options.requireAgent });
  await app.register(taskScheduleRoutes(schedules, options.guard), { prefix: '/api/v1' });
  options.jobs.add(taskScheduleJob({ db: options.db, queue: options.queue, events: options.events }));
  return {
    service,
    /** Runs `listener` in the transaction that ends a task for good (e.g. to queue its reply). */
    onTaskEnded: (listener: TaskEndListener) => {
      endListeners.push(listener);
    },
  };
}

export type { TaskEndListener } from './task-attempt-end.ts';
export type { TaskRow } from './task-repository.ts';
export type { TaskService } from './task-service.ts';

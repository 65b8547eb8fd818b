import type { Database, Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { createTask } from './task-intake.ts';
import { findTaskByIdempotencyKey } from './task-repository.ts';
import { nextOccurrence } from './task-schedule-cron.ts';
import * as repository from './task-schedule-repository.ts';

export const TASK_SCHEDULES_QUEUE = 'task-schedules';
/** Schedules claimed, and their tasks created, per transaction. */
const BATCH_SIZE = 100;
/** Batches per tick: a larger backlog is the next minute's tick's. */
const MAX_BATCHES_PER_TICK = 20;

export interface ScheduleTickDependencies {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
}

/** The idempotency key of an occurrence's task: one task per schedule and occurrence, whoever ticks. */
export const occurrenceKey = (scheduleId: string, occurrence: Date) =>
  `schedule:${scheduleId}:${occurrence.toISOString()}`;

/**
 * One due schedule, claimed in `tx`: creates and queues the task of its occurrence (`next_run_at`)
 * and moves `next_run_at` to the first occurrence after `now`. Occurrences missed meanwhile (no
 * worker ran) are skipped: the one task created catches them all up. A schedule whose agent was
 * deleted, or whose expression no longer has an occurrence, is disabled instead. True when a task
 * was created.
 */
async function fire(
  tx: Executor,
  deps: ScheduleTickDependencies,
  { schedule, agentDeletedAt }: Awaited<ReturnType<typeof repository.claimDueSchedules>>[number],
  now: Date,
): Promise<boolean> {
  const scope = { organizationId: schedule.organizationId };
  const disable = () =>
    repository.updateSchedule(tx, scope, schedule.id, { enabled: false, nextRunAt: null });
  if (agentDeletedAt) {
    await disable();
    return false;
  }
  let next: Date;
  try {
    next = nextOccurrence(schedule.cron, schedule.timezone, now);
  } catch {
    await disable();
    return false;
  }
  // Claimed as due, so next_run_at is set.
  const occurrence = schedule.nextRunAt as Date;
  const idempotencyKey = occurrenceKey(schedule.id, occurrence);
  const created = await createTask(tx, deps, scope, {
    agentId: schedule.agentId,
    taskType: schedule.taskType,
    taskData: schedule.taskData,
    priority: schedule.priority,
    maxAttempts: schedule.maxAttempts,
    scheduledAt: occurrence,
    idempotencyKey,
    source: 'schedule',
    scheduleId: schedule.id,
    createdByUserId: schedule.createdByUserId,
    createdByApiKeyId: schedule.createdByApiKeyId,
    queue: true,
  });
  // Undefined when the occurrence's task exists already: its key refuses a second one.
  const task = created ?? (await findTaskByIdempotencyKey(tx, scope, schedule.agentId, idempotencyKey));
  await repository.updateSchedule(tx, scope, schedule.id, {
    nextRunAt: next,
    lastRunAt: now,
    lastTaskId: task?.id ?? schedule.lastTaskId,
  });
  return created !== undefined;
}

/**
 * Turns every due occurrence of every organization's schedules into a task, a batch per
 * transaction: the schedules are claimed `for update skip locked`, so ticks running at once (in
 * several processes) share the work, and each task's idempotency key makes a second task for the
 * same occurrence impossible anyway. Returns how many tasks it created.
 */
export async function tickTaskSchedules(deps: ScheduleTickDependencies): Promise<number> {
  let created = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_TICK; batch++) {
    const { claimed, tasks } = await deps.db.transaction(async (tx) => {
      const now = new Date();
      const due = await repository.claimDueSchedules(tx, now, BATCH_SIZE);
      let tasks = 0;
      for (const claim of due) if (await fire(tx, deps, claim, now)) tasks++;
      return { claimed: due.length, tasks };
    });
    created += tasks;
    if (claimed < BATCH_SIZE) break;
  }
  return created;
}

/**
 * The tick, every minute (the schedules' granularity) on its own queue. A failed or missed tick
 * is made up by the next: no retries, no dead letters.
 */
export function taskScheduleJob(deps: ScheduleTickDependencies): JobDefinition {
  return {
    queue: {
      name: TASK_SCHEDULES_QUEUE,
      options: { retryLimit: 0, expireInSeconds: 300 },
      deadLetter: false,
    },
    schedule: '* * * * *',
    handle: async () => {
      await tickTaskSchedules(deps);
    },
  };
}

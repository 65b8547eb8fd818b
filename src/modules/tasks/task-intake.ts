import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { recordTaskSteps } from '../runs/index.ts';
import { publishTaskEvent, queuedStep, sendAttemptJob, waitingStatus } from './task-queue.ts';
import * as repository from './task-repository.ts';
import type { JsonObject, TaskSource } from './task-tables.ts';

export const DEFAULT_PRIORITY = 5;
export const DEFAULT_MAX_ATTEMPTS = 3;

/** A task to create, from the API, a channel or a schedule. */
export interface NewTask {
  agentId: string;
  taskType: string;
  taskData: JsonObject;
  priority?: number | undefined;
  maxAttempts?: number | undefined;
  scheduledAt?: Date | null | undefined;
  idempotencyKey?: string | null | undefined;
  source: TaskSource;
  channelId?: string | null;
  scheduleId?: string | null;
  createdByUserId: string | null;
  createdByApiKeyId: string | null;
  /** Queue it at once (or schedule it for `scheduledAt`). */
  queue: boolean;
}

/**
 * Creates a task in the caller's transaction, with its `task_received` step and `task-created`
 * event, and queues it when asked (its job commits with it). Undefined when a task with the same
 * idempotency key exists already (the caller looks it up).
 */
export async function createTask(
  tx: Executor,
  deps: { queue: Pick<JobQueue, 'send'>; events: Pick<EventPublisher, 'publish'> },
  scope: TenantScope,
  input: NewTask,
): Promise<repository.TaskRow | undefined> {
  const id = uuidv7();
  const priority = input.priority ?? DEFAULT_PRIORITY;
  const scheduledAt = input.scheduledAt ?? null;
  // A task queued at once is inserted queued, its job sent first (both commit or neither).
  const jobId = input.queue
    ? await sendAttemptJob(
        tx,
        deps.queue,
        scope,
        { id, agentId: input.agentId, priority, attemptCount: 0 },
        scheduledAt,
      )
    : null;
  const inserted = await repository.insertTask(tx, {
    id,
    organizationId: scope.organizationId,
    agentId: input.agentId,
    taskType: input.taskType,
    taskData: input.taskData,
    priority,
    status: input.queue ? waitingStatus(scheduledAt) : 'pending',
    source: input.source,
    scheduledAt,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    idempotencyKey: input.idempotencyKey ?? null,
    channelId: input.channelId ?? null,
    scheduleId: input.scheduleId ?? null,
    queueJobId: jobId,
    queuedAt: input.queue ? new Date() : null,
    createdByUserId: input.createdByUserId,
    createdByApiKeyId: input.createdByApiKeyId,
  });
  // The same idempotency key committed first elsewhere. The job sent for it names a task that
  // never existed: its delivery finds nothing to claim and ends without doing anything.
  if (!inserted) return undefined;
  const received = {
    organizationId: inserted.organizationId,
    agentId: inserted.agentId,
    taskId: inserted.id,
    actionType: 'task_received' as const,
    actionData: {
      task_type: inserted.taskType,
      source: inserted.source,
      priority: inserted.priority,
      ...(inserted.channelId ? { channel_id: inserted.channelId } : {}),
      ...(inserted.scheduleId ? { schedule_id: inserted.scheduleId } : {}),
    },
    success: true,
  };
  await recordTaskSteps(tx, input.queue ? [received, queuedStep(inserted)] : [received]);
  await publishTaskEvent(deps.events, 'task-created', inserted, tx);
  if (input.queue) await publishTaskEvent(deps.events, 'task-queued', inserted, tx);
  return inserted;
}

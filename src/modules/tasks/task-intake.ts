import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { recordTaskSteps } from '../runs/index.ts';
import { enqueueAttempt, publishTaskEvent, queuedStep } from './task-queue.ts';
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
  const inserted = await repository.insertTask(tx, {
    id: uuidv7(),
    organizationId: scope.organizationId,
    agentId: input.agentId,
    taskType: input.taskType,
    taskData: input.taskData,
    priority: input.priority ?? DEFAULT_PRIORITY,
    source: input.source,
    scheduledAt: input.scheduledAt ?? null,
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    idempotencyKey: input.idempotencyKey ?? null,
    channelId: input.channelId ?? null,
    scheduleId: input.scheduleId ?? null,
    createdByUserId: input.createdByUserId,
    createdByApiKeyId: input.createdByApiKeyId,
  });
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
  await publishTaskEvent(deps.events, 'task-created', inserted, tx);
  if (!input.queue) {
    await recordTaskSteps(tx, [received]);
    return inserted;
  }
  const queued = await enqueueAttempt(tx, deps.queue, scope, inserted, inserted.scheduledAt);
  await recordTaskSteps(tx, [received, queuedStep(queued)]);
  await publishTaskEvent(deps.events, 'task-queued', queued, tx);
  return queued;
}

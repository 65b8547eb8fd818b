import { iso } from '../../platform/http/common-schemas.ts';
import type { AttemptRow, TaskRow } from './task-repository.ts';
import type { AttemptView, TaskView } from './task-schemas.ts';

export const toTaskView = (row: TaskRow): TaskView => ({
  id: row.id,
  organization_id: row.organizationId,
  agent_id: row.agentId,
  task_type: row.taskType,
  task_data: row.taskData,
  priority: row.priority,
  status: row.status,
  source: row.source,
  channel_id: row.channelId,
  schedule_id: row.scheduleId,
  scheduled_at: iso(row.scheduledAt),
  max_attempts: row.maxAttempts,
  attempt_count: row.attemptCount,
  idempotency_key: row.idempotencyKey,
  queue_job_id: row.queueJobId,
  celery_task_id: row.queueJobId,
  result: row.result,
  error: row.error,
  run_id: row.runId,
  created_at: row.createdAt.toISOString(),
  queued_at: iso(row.queuedAt),
  started_at: iso(row.startedAt),
  completed_at: iso(row.completedAt),
  updated_at: row.updatedAt.toISOString(),
});

export const toAttemptView = (row: AttemptRow): AttemptView => ({
  attempt: row.attempt,
  status: row.status,
  run_id: row.runId,
  error: row.error,
  started_at: row.startedAt.toISOString(),
  ended_at: iso(row.endedAt),
});

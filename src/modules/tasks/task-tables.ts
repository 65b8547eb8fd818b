import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

/**
 * A task's life (seed 000 AgentTask): pending (created, not queued) -> queued (or scheduled until
 * its time) -> running -> completed; a failed attempt waits as `failed` for its retry, and a task
 * out of attempts (or failing for good) is `dead`; pending, scheduled, queued and running tasks can
 * be `cancelled`.
 */
export const taskStatuses = [
  'pending',
  'scheduled',
  'queued',
  'running',
  'completed',
  'failed',
  'dead',
  'cancelled',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** Where a task came from. */
export const taskSources = ['api', 'slack', 'email', 'webhook', 'schedule'] as const;
export type TaskSource = (typeof taskSources)[number];

export type JsonObject = Record<string, unknown>;

export interface TaskResult {
  answer: string;
  structured_output: JsonObject | null;
}

export interface TaskError {
  code: string;
  message: string;
}

/** A unit of autonomous work of an agent (seed 000 AgentTask), run as a turn with trigger `task`. */
export const agentTasks = pgTable(
  'agent_tasks',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    taskType: text('task_type').notNull(),
    taskData: jsonb('task_data').$type<JsonObject>().notNull().default({}),
    /** 1 is the most urgent, 10 the least. */
    priority: integer('priority').notNull().default(5),
    status: text('status', { enum: taskStatuses }).notNull().default('pending'),
    source: text('source', { enum: taskSources }).notNull().default('api'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    maxAttempts: integer('max_attempts').notNull().default(3),
    /**
     * Attempts started so far. A queue job carries the attempt it runs; it acts only while the
     * row still holds that number, so a stale delivery never completes a newer attempt.
     */
    attemptCount: integer('attempt_count').notNull().default(0),
    /** Attempts made before the latest retry by hand: `max_attempts` bounds those after it. */
    attemptsBeforeRetry: integer('attempts_before_retry').notNull().default(0),
    /** Same key, same agent: the same task (a client's retry creates nothing). */
    idempotencyKey: text('idempotency_key'),
    queueJobId: text('queue_job_id'),
    result: jsonb('result').$type<TaskResult>(),
    error: jsonb('error').$type<TaskError>(),
    /** The channel it came in through; its answer is the channel's reply. */
    channelId: uuid('channel_id'),
    /** The recurring schedule that created it. */
    scheduleId: uuid('schedule_id'),
    /** The run of the latest attempt. */
    runId: uuid('run_id'),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('agent_tasks_agent_created_idx').on(table.organizationId, table.agentId, table.createdAt),
    index('agent_tasks_organization_created_idx').on(table.organizationId, table.createdAt),
    index('agent_tasks_organization_status_idx').on(table.organizationId, table.status),
    uniqueIndex('agent_tasks_idempotency_idx')
      .on(table.agentId, table.idempotencyKey)
      .where(sql`${table.idempotencyKey} is not null`),
  ],
);

/** One attempt of a task: when it ran, how it ended, and its run. */
export const agentTaskAttempts = pgTable(
  'agent_task_attempts',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    taskId: uuid('task_id')
      .notNull()
      .references(() => agentTasks.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    status: text('status', { enum: ['running', 'completed', 'failed', 'cancelled'] }).notNull(),
    runId: uuid('run_id'),
    error: jsonb('error').$type<TaskError>(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (table) => [uniqueIndex('agent_task_attempts_task_attempt_idx').on(table.taskId, table.attempt)],
);

import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';
import type { JsonObject } from './task-tables.ts';

/**
 * A recurring task of an agent: a task template and a cron expression. Each occurrence creates
 * one task (its idempotency key is the schedule and the occurrence), queued at once.
 */
export const taskSchedules = pgTable(
  'task_schedules',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    name: text('name').notNull(),
    /** Five fields (minute hour day-of-month month day-of-week), in `timezone`. */
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    taskType: text('task_type').notNull(),
    taskData: jsonb('task_data').$type<JsonObject>().notNull().default({}),
    priority: integer('priority').notNull().default(5),
    maxAttempts: integer('max_attempts').notNull().default(3),
    enabled: boolean('enabled').notNull().default(true),
    /** The next occurrence not yet turned into a task; null while disabled. */
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    lastTaskId: uuid('last_task_id'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('task_schedules_agent_name_idx').on(table.agentId, table.name),
    index('task_schedules_organization_agent_idx').on(table.organizationId, table.agentId),
    index('task_schedules_due_idx').on(table.nextRunAt).where(sql`${table.enabled}`),
  ],
);

import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { cronProblem, isTimezone } from './task-schedule-cron.ts';
import { createTaskBody } from './task-schemas.ts';

const exampleScheduleId = '01973c1f-7000-7b2e-8d4c-3a9f0e6b1c28';

const name = z.string().trim().min(1).max(100).describe('Unique among the agent’s schedules');
const cron = z
  .string()
  .trim()
  .max(200)
  .superRefine((value, context) => {
    const problem = cronProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    'Five fields: minute hour day-of-month month day-of-week (e.g. `0 9 * * 1-5`: 09:00 on weekdays), in `timezone`',
  );
const timezone = z
  .string()
  .max(100)
  .refine(isTimezone, 'must be an IANA time zone such as Europe/Paris')
  .describe('IANA time zone the cron expression is read in; UTC by default');
const priority = z.number().int().min(1).max(10);
const enabled = z.boolean().describe('A disabled schedule creates no tasks and has no next_run_at');

export const createTaskScheduleBody = z
  .object({
    name,
    cron,
    timezone: timezone.default('UTC'),
    task_type: createTaskBody.shape.task_type,
    task_data: createTaskBody.shape.task_data,
    priority: priority.default(5).describe('Of each task: 1 is the most urgent, 10 the least; 5 by default'),
    max_attempts: createTaskBody.shape.max_attempts,
    enabled: enabled.default(true),
  })
  .strict()
  .meta({
    id: 'TaskScheduleCreate',
    example: {
      name: 'Morning queue review',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      task_type: 'daily_review',
      task_data: { message: 'Summarize the support inquiries still open' },
      priority: 4,
      enabled: true,
    },
  });
export type CreateTaskScheduleBody = z.infer<typeof createTaskScheduleBody>;

export const updateTaskScheduleBody = z
  .object({
    name: name.optional(),
    cron: cron.optional(),
    timezone: timezone.optional(),
    task_type: createTaskBody.shape.task_type.optional(),
    task_data: z.record(z.string(), z.unknown()).optional().describe('Replaces the task data'),
    priority: priority.optional(),
    max_attempts: createTaskBody.shape.max_attempts,
    enabled: enabled.optional(),
  })
  .strict()
  .meta({ id: 'TaskScheduleUpdate', example: { cron: '30 8 * * 1-5', enabled: true } });
export type UpdateTaskScheduleBody = z.infer<typeof updateTaskScheduleBody>;

const scheduleExample = {
  id: exampleScheduleId,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  name: 'Morning queue review',
  cron: '0 9 * * 1-5',
  timezone: 'Europe/Paris',
  task_type: 'daily_review',
  task_data: { message: 'Summarize the support inquiries still open' },
  priority: 4,
  max_attempts: 3,
  enabled: true,
  next_run_at: '2025-06-09T07:00:00.000Z',
  last_run_at: '2025-06-06T07:00:00.310Z',
  last_task_id: exampleIds.task,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.agentUpdated,
  updated_at: '2025-06-06T07:00:00.310Z',
} as const;

export const taskScheduleView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid(),
    name: z.string(),
    cron: z.string(),
    timezone: z.string(),
    task_type: z.string(),
    task_data: z.record(z.string(), z.unknown()),
    priority: z.number().int(),
    max_attempts: z.number().int(),
    enabled: z.boolean(),
    next_run_at: nullableTimestamp.describe('The next occurrence to create a task for; null while disabled'),
    last_run_at: nullableTimestamp.describe('When the schedule last created a task'),
    last_task_id: z.uuid().nullable().describe('The task it last created'),
    created_by_user_id: z.uuid().nullable().describe('Its tasks run as background work of this user'),
    created_by_api_key_id: z.uuid().nullable().describe('...or of this API key'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'TaskSchedule', example: scheduleExample });
export type TaskScheduleView = z.infer<typeof taskScheduleView>;
export const taskScheduleListView = z
  .array(taskScheduleView)
  .meta({ id: 'TaskScheduleList', example: [scheduleExample] });

export const listTaskSchedulesQuery = pageQuery(50, 200);

export const taskScheduleParams = z.object({ id: z.uuid(), schedule_id: z.uuid() });

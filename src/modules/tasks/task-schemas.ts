import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { actionView } from '../runs/index.ts';
import { taskSources, taskStatuses } from './task-tables.ts';

const taskType = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . - (e.g. customer_inquiry)');
const priority = z.number().int().min(1).max(10).describe('1 is the most urgent, 10 the least');

export const createTaskBody = z
  .object({
    task_type: taskType,
    task_data: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('What the task is about; the model sees it'),
    priority: priority.optional().describe('1 is the most urgent, 10 the least; 5 by default'),
    scheduled_at: z.iso.datetime({ offset: true }).optional().describe('Not before this time'),
    max_attempts: z.number().int().min(1).max(20).optional().describe('3 by default'),
    idempotency_key: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The same key for the same agent answers the task it created (200) instead of a new one'),
    queue: z.boolean().optional().describe('Queue it at once (otherwise pending until POST .../queue)'),
  })
  .strict()
  .meta({
    id: 'AgentTaskCreate',
    example: {
      task_type: 'api_request',
      task_data: {
        request_type: 'support_inquiry',
        message: 'Help with account access',
        user_id: 'test_user_123',
      },
      priority: 3,
    },
  });
export type CreateTaskBody = z.infer<typeof createTaskBody>;

const taskExample = {
  id: exampleIds.task,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  task_type: 'api_request',
  task_data: {
    request_type: 'support_inquiry',
    message: 'Help with account access',
    user_id: 'test_user_123',
  },
  priority: 3,
  status: 'completed',
  source: 'api',
  channel_id: null,
  schedule_id: null,
  scheduled_at: null,
  max_attempts: 3,
  attempt_count: 1,
  idempotency_key: null,
  queue_job_id: exampleIds.queueJob,
  celery_task_id: exampleIds.queueJob,
  result: {
    answer: 'To regain access, reset your password from the sign-in page; the link is valid for an hour.',
    structured_output: null,
  },
  error: null,
  run_id: exampleIds.taskRun,
  created_at: exampleTimes.taskCreated,
  queued_at: exampleTimes.taskQueued,
  started_at: exampleTimes.taskStarted,
  completed_at: exampleTimes.taskCompleted,
  updated_at: exampleTimes.taskCompleted,
} as const;

const taskFields = {
  id: z.uuid(),
  organization_id: z.uuid(),
  agent_id: z.uuid(),
  task_type: z.string(),
  task_data: z.record(z.string(), z.unknown()),
  priority: z.number().int(),
  status: z.enum(taskStatuses),
  source: z.enum(taskSources),
  channel_id: z.uuid().nullable().describe('The channel it came in through (its answer is the reply)'),
  schedule_id: z.uuid().nullable().describe('The recurring schedule that created it'),
  scheduled_at: nullableTimestamp,
  max_attempts: z.number().int(),
  attempt_count: z.number().int().describe('Attempts started so far'),
  idempotency_key: z.string().nullable(),
  queue_job_id: z.string().nullable(),
  celery_task_id: z.string().nullable().describe('queue_job_id under seed 000’s name'),
  result: z
    .object({ answer: z.string(), structured_output: z.record(z.string(), z.unknown()).nullable() })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  run_id: z.uuid().nullable().describe('The run of the latest attempt'),
  created_at: timestamp,
  queued_at: nullableTimestamp,
  started_at: nullableTimestamp,
  completed_at: nullableTimestamp,
  updated_at: timestamp,
};

export const taskView = z.object(taskFields).meta({ id: 'AgentTask', example: taskExample });
export type TaskView = z.infer<typeof taskView>;
export const taskListView = z.array(taskView).meta({ id: 'AgentTaskList', example: [taskExample] });

const attemptView = z.object({
  attempt: z.number().int(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  run_id: z.uuid().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  started_at: timestamp,
  ended_at: nullableTimestamp,
});
export type AttemptView = z.infer<typeof attemptView>;

export const taskDetailView = z
  .object({ ...taskFields, attempts: z.array(attemptView), actions: z.array(actionView) })
  .meta({
    id: 'AgentTaskDetail',
    example: {
      ...taskExample,
      attempts: [
        {
          attempt: 1,
          status: 'completed',
          run_id: exampleIds.taskRun,
          error: null,
          started_at: exampleTimes.taskStarted,
          ended_at: exampleTimes.taskCompleted,
        },
      ],
      actions: [],
    },
  });

export const taskSorts = ['created_at', 'priority'] as const;

export const listTasksQuery = pageQuery(50, 200).extend({
  status: z.enum(taskStatuses).optional(),
  task_type: taskType.optional(),
  source: z.enum(taskSources).optional(),
  priority_min: z.coerce.number().int().min(1).max(10).optional(),
  priority_max: z.coerce.number().int().min(1).max(10).optional(),
  sort: z.enum(taskSorts).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export type ListTasksQuery = z.infer<typeof listTasksQuery>;
export const listOrganizationTasksQuery = listTasksQuery.extend({
  agent_id: z.uuid().optional(),
  project_id: z.uuid().optional().describe('Only the tasks of this project’s agents'),
});

export const taskParams = z.object({ id: z.uuid(), task_id: z.uuid() });

const countsByStatus = z.object(Object.fromEntries(taskStatuses.map((status) => [status, z.number().int()])));

const exampleCounts = {
  pending: 1,
  scheduled: 0,
  queued: 4,
  running: 2,
  completed: 120,
  failed: 1,
  dead: 0,
  cancelled: 3,
};
const statsExample = {
  by_status: exampleCounts,
  by_priority: { '1': 2, '5': 129 },
  queue_depth: 4,
  oldest_waiting_seconds: 3.2,
  last_15_minutes: { completed: 42, failed: 1, dead: 0, throughput_per_minute: 2.8, failure_rate: 0.023 },
  agents: [{ agent_id: exampleIds.agent, by_status: exampleCounts, queue_depth: 4 }],
};

export const taskStatsView = z
  .object({
    by_status: countsByStatus,
    by_priority: z.record(z.string(), z.number().int()),
    queue_depth: z.number().int().describe('Tasks queued or scheduled'),
    oldest_waiting_seconds: z.number().nullable().describe('How long the oldest queued task has waited'),
    last_15_minutes: z.object({
      completed: z.number().int(),
      failed: z.number().int().describe('Attempts that failed'),
      dead: z.number().int(),
      throughput_per_minute: z.number(),
      failure_rate: z.number().describe('Failed attempts over ended attempts'),
    }),
    agents: z.array(
      z.object({ agent_id: z.uuid(), by_status: countsByStatus, queue_depth: z.number().int() }),
    ),
  })
  .meta({ id: 'AgentTaskStats', example: statsExample });
export type TaskStatsView = z.infer<typeof taskStatsView>;

import { z } from 'zod';
import { nullableTimestamp, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';

const healthStatus = z.enum(['healthy', 'warning', 'error']);
const message = z.string().optional().describe('Why the check is not healthy');

const configurationCheckView = z.object({
  status: healthStatus,
  message,
  code: z.string().optional().describe('The error code a turn would fail with'),
  provider: z
    .object({ id: z.string(), name: z.string(), type: z.string() })
    .nullable()
    .optional()
    .describe('The provider a turn would use; null when none can be'),
  model: z.string().nullable().optional(),
});

const checksView = z.object({
  configuration: configurationCheckView.describe('The configuration resolves to a usable model'),
  database: z
    .object({ status: healthStatus, message, latency_ms: z.number().int().optional() })
    .describe('The database answers a round trip'),
  task_processing: z
    .object({
      status: healthStatus,
      message,
      queues: z
        .array(z.object({ name: z.string(), queued: z.number().int(), active: z.number().int() }))
        .optional(),
    })
    .describe('The job queue answers for the queues of the agent’s background work'),
  file_access: z
    .object({ status: healthStatus, message })
    .describe('The storage of the agent’s files can be written and read back'),
});

const healthExample = {
  agent_id: exampleIds.agent,
  overall_status: 'healthy',
  checks: {
    configuration: {
      status: 'healthy',
      provider: { id: exampleIds.provider, name: 'OpenAI', type: 'openai' },
      model: 'gpt-4o-mini',
    },
    database: { status: 'healthy', latency_ms: 1 },
    task_processing: {
      status: 'healthy',
      queues: [{ name: 'maintenance-agent-health', queued: 0, active: 1 }],
    },
    file_access: { status: 'healthy' },
  },
  runtime: {
    state: 'idle',
    health: 'healthy',
    consecutive_failures: 0,
    last_error: null,
    last_heartbeat: exampleTimes.runCompleted,
  },
  alerts: [],
  last_health_check: null,
  timestamp: exampleTimes.runCompleted,
};

export const agentHealthView = z
  .object({
    agent_id: z.uuid(),
    overall_status: healthStatus.describe('error when any check fails, else warning when any warns'),
    checks: checksView,
    runtime: z.object({
      state: z.enum(['idle', 'busy', 'error', 'offline']),
      health: healthStatus.describe('From the agent’s turns: error after three failures in a row'),
      consecutive_failures: z.number().int(),
      last_error: z.string().nullable(),
      last_heartbeat: nullableTimestamp.describe('When the agent’s latest turn ended'),
    }),
    alerts: z.array(z.string()).describe('Alert thresholds the agent is past, as of the monitor’s last look'),
    last_health_check: nullableTimestamp.describe(
      'When the health monitor last ran these checks for the agent (it does for agents in health error)',
    ),
    timestamp,
  })
  .meta({ id: 'AgentHealth', example: healthExample });

const metricsExample = {
  agent_id: exampleIds.agent,
  performance: { avg_response_time_ms: 2120, success_rate: 0.98, tasks_processed_24h: 128, queue_depth: 1 },
  resources: { file_storage_mb: 0, configuration_versions: 2 },
  health: {
    last_successful_task: exampleTimes.runCompleted,
    error_rate_1h: 0,
    availability_percentage: 99.22,
  },
  window: { hours: 24, error_rate_hours: 1 },
  generated_at: exampleTimes.runCompleted,
};

export const agentMetricsView = z
  .object({
    agent_id: z.uuid(),
    performance: z.object({
      avg_response_time_ms: z
        .number()
        .int()
        .nullable()
        .describe('Mean duration of the completed runs started in the last 24 hours'),
      success_rate: z
        .number()
        .nullable()
        .describe('completed / (completed + failed + abandoned) over the last 24 hours, 0-1'),
      tasks_processed_24h: z.number().int().describe('Runs started in the last 24 hours that ended'),
      queue_depth: z.number().int().describe('The agent’s runs running (or waiting) now'),
    }),
    resources: z.object({
      file_storage_mb: z.number().describe('Storage taken by the agent’s files'),
      configuration_versions: z.number().int(),
    }),
    health: z.object({
      last_successful_task: nullableTimestamp.describe('When the agent’s latest completed run ended'),
      error_rate_1h: z
        .number()
        .nullable()
        .describe('(failed + abandoned) / (completed + failed + abandoned) over the last hour, 0-1'),
      availability_percentage: z
        .number()
        .nullable()
        .describe('Share of the last 24 hours’ runs that did not fail for system reasons, 0-100'),
    }),
    window: z.object({
      hours: z.number().int().describe('The window of every metric but the error rate'),
      error_rate_hours: z.number().int(),
    }),
    generated_at: timestamp,
  })
  .meta({ id: 'AgentMetrics', example: metricsExample });

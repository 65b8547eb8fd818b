import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { aliasInputShape } from './agent-aliases.ts';
import {
  type AgentConfig,
  agentConfigObject,
  agentConfigPatchSchema,
  agentStatuses,
  defaultAgentConfig,
} from './agent-config.ts';

/**
 * The examples' agent: created as version 1, then version 2 lowered its temperature from 0.7 to
 * 0.3. This is version 2.
 */
const supportAgentConfig = {
  ...defaultAgentConfig,
  name: 'Support Agent',
  description: 'Answers billing and refund questions for Acme Cloud customers',
  tags: ['support', 'billing'],
  identity: {
    short_description: 'Acme Cloud’s first-line support agent',
    full_description:
      'Helps customers with invoices, refunds and account questions, and hands over to a human when unsure.',
    character_role: 'Customer support specialist',
    mission: 'Resolve customer questions quickly and accurately',
    interaction_style: 'Warm, concise, solution-oriented',
  },
  traits: {
    ...defaultAgentConfig.traits,
    creativity: 30,
    empathy: 80,
    humor: 20,
    formality: 60,
    verbosity: 40,
    safety: 90,
  },
  provider_id: exampleIds.provider,
  model: 'llama3.1:8b',
  temperature: 0.3,
  max_tokens: 800,
  role: 'Customer support specialist',
  prompt:
    'You are the support agent of Acme Cloud. Refunds are processed within 5 business days of approval.',
  initial_ai_msg: 'Hello! How can I help you today?',
  tone: 'friendly',
  timeout_seconds: 60,
  tools: ['current_time', 'search_session_messages'],
} satisfies AgentConfig;

const temperatureChange = { temperature: 0.3, change_reason: 'More consistent answers' };

/** Null, as Python clients send unset optional fields, means "not given" for these (agent-input.ts). */
const absentWhenNull = <T extends z.ZodType>(schema: T) =>
  schema.nullable().describe(`${schema.description ? `${schema.description}. ` : ''}null: not given`);

const configurationInput = agentConfigPatchSchema
  .extend(aliasInputShape)
  .extend({
    name: absentWhenNull(agentConfigPatchSchema.shape.name),
    tags: absentWhenNull(agentConfigPatchSchema.shape.tags),
    identity: absentWhenNull(agentConfigPatchSchema.shape.identity),
    traits: absentWhenNull(agentConfigPatchSchema.shape.traits),
    memory: absentWhenNull(agentConfigPatchSchema.shape.memory),
    resource_limits: absentWhenNull(agentConfigPatchSchema.shape.resource_limits),
    settings: absentWhenNull(agentConfigPatchSchema.shape.settings),
    model_config: absentWhenNull(aliasInputShape.model_config),
  })
  .strict();
export type ConfigurationInput = z.infer<typeof configurationInput>;

const changeReason = z.string().max(2_000).optional().describe('Why; recorded in history and the version');
const expectedVersion = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe('Optimistic concurrency: fail with 409 unless the agent is at this version (or send If-Match)');
const writableStatus = z
  .enum(agentStatuses)
  .describe(
    'archived: kept, readable and listed with ?status=archived, but cannot execute (deletion is DELETE)',
  );

const agentInputShape = {
  configuration: absentWhenNull(configurationInput.optional()).describe(
    'The same fields, grouped (seed 000 phase 5); null: not given',
  ),
  status: absentWhenNull(writableStatus.optional()),
  is_active: z.boolean().optional().describe('Alias of status active/inactive (seed 000)'),
  change_reason: changeReason,
};

/** Not configuration: which project the agent belongs to is no part of its versions. */
const projectInput = z.uuid().nullable().optional();

export const createAgentBody = configurationInput
  .extend({
    ...agentInputShape,
    project_id: projectInput.describe(
      'A project of the organization; null or absent: the organization at large. A project-scoped key’s agents go to its project',
    ),
  })
  .strict()
  .meta({
    id: 'AgentCreate',
    example: {
      name: supportAgentConfig.name,
      description: supportAgentConfig.description,
      agent_type: 'customer_support',
      kind: 'conversational',
      tags: supportAgentConfig.tags,
      agent_version: '1.0.0',
      temperature: 0.7,
      max_tokens: 800,
      prompt: supportAgentConfig.prompt,
      initial_ai_msg: supportAgentConfig.initial_ai_msg,
      tone: 'friendly',
      traits: { empathy: 80, safety: 90 },
      tools: supportAgentConfig.tools,
    },
  });
export const updateAgentBody = configurationInput
  .extend({
    ...agentInputShape,
    expected_version: expectedVersion,
    project_id: projectInput.describe(
      'Moves the agent (and its sessions) to this project; null: to the organization at large. Only an organization-wide credential moves agents',
    ),
  })
  .strict()
  .meta({ id: 'AgentUpdate', example: temperatureChange });
export const configurationBody = configurationInput
  .extend({ change_reason: changeReason, expected_version: expectedVersion })
  .strict()
  // Optimistic concurrency shown here; the AgentUpdate example leaves it out, so it applies to any version.
  .meta({ id: 'ConfigurationUpdate', example: { ...temperatureChange, expected_version: 1 } });
export const rollbackBody = z
  .object({
    version: z.number().int().min(1),
    change_reason: changeReason,
    expected_version: expectedVersion,
  })
  .strict()
  .meta({ example: { version: 1, change_reason: 'Back to the original temperature', expected_version: 2 } });

export type CreateAgentBody = z.infer<typeof createAgentBody>;
export type UpdateAgentBody = z.infer<typeof updateAgentBody>;

export const listAgentsQuery = pageQuery(50, 200).extend({
  status: z
    .enum(agentStatuses)
    .optional()
    .describe('Without it, archived agents are left out; ?status=archived lists them'),
  active_only: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only active agents (seed 003)'),
  provider_id: z.uuid().optional().describe('Agents whose provider_id is this provider (seed 003)'),
  agent_type: z.string().max(50).optional(),
  kind: z.string().max(64).optional().describe('An agent definition’s slug (GET /agent-definitions)'),
  tag: z.string().max(64).optional(),
  search: z.string().max(200).optional().describe('Case-insensitive match in name and description'),
  project_id: z.uuid().optional().describe('Only the agents of this project'),
});
export const historyQuery = pageQuery(50, 200).extend({
  field_filter: z.string().max(100).optional().describe('A field (e.g. role) or a section (e.g. traits)'),
});
export const versionsQuery = pageQuery(50, 200);
export const versionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) });
export const diffQuery = z.object({
  against: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe('The version to compare with; defaults to the previous one'),
});

export const ifMatchHeaders = z.object({
  'if-match': z.string().max(40).optional().describe('The version the change expects, e.g. "3"'),
});

export const screeningFindingView = z.object({
  rule: z.string(),
  severity: z.enum(['block', 'warn']),
  field: z.string(),
  excerpt: z.string(),
  message: z.string(),
});

const agentExample = {
  ...supportAgentConfig,
  id: exampleIds.agent,
  organization_id: exampleIds.organization,
  project_id: exampleIds.project,
  status: 'active',
  is_active: true,
  version: 2,
  runtime: {
    state: 'idle',
    health: 'healthy',
    last_heartbeat: exampleTimes.runCompleted,
    last_error: null,
    consecutive_failures: 0,
    last_health_check: null,
    alerts: [],
  },
  interaction_count: 128,
  last_interaction_at: exampleTimes.runCompleted,
  total_tasks_processed: 128,
  total_processing_time_ms: 291_840,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.agentCreated,
  updated_at: exampleTimes.agentUpdated,
};

const versionExample = {
  agent_id: exampleIds.agent,
  version: 2,
  configuration: supportAgentConfig,
  checksum: 'c98cb3fd09d782951175445a6973da7e0f95a1bddbbafbb5afba0508d72e72d1',
  change_type: 'configuration_update',
  change_reason: temperatureChange.change_reason,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.agentUpdated,
};

const runtimeView = z.object({
  state: z.enum(['idle', 'busy', 'error', 'offline']),
  health: z.enum(['healthy', 'warning', 'error']),
  last_heartbeat: nullableTimestamp,
  last_error: z.string().nullable(),
  consecutive_failures: z.number().int(),
  last_health_check: nullableTimestamp.describe(
    'When the health monitor last ran the agent’s checks (it does for agents in health error)',
  ),
  alerts: z.array(z.string()).describe('Alert thresholds the agent is past (docs/monitoring.md)'),
});

export const agentView = agentConfigObject
  .extend({
    id: z.uuid(),
    organization_id: z.uuid(),
    project_id: z
      .uuid()
      .nullable()
      .describe('The project the agent belongs to; null: the organization at large'),
    status: z.enum(agentStatuses),
    is_active: z.boolean(),
    version: z.number().int(),
    runtime: runtimeView,
    interaction_count: z.number().int(),
    last_interaction_at: nullableTimestamp,
    total_tasks_processed: z.number().int(),
    total_processing_time_ms: z.number().int(),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Agent', example: agentExample });
export const agentListView = z.array(agentView).meta({ example: [agentExample] });

export const agentWriteView = agentView
  .extend({
    warnings: z
      .array(screeningFindingView)
      .describe(
        'What did not block the write: prompt screening findings, and seed aliases that could not apply (rule unresolved_provider)',
      ),
  })
  .meta({ id: 'AgentWithWarnings', example: { ...agentExample, warnings: [] } });

export const versionView = z
  .object({
    agent_id: z.uuid(),
    version: z.number().int(),
    configuration: agentConfigObject,
    checksum: z.string().describe('SHA-256 of the canonical configuration JSON'),
    change_type: z.string(),
    change_reason: z.string().nullable(),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'AgentVersion', example: versionExample });
export const versionListView = z.array(versionView).meta({ example: [versionExample] });

export const configurationWriteView = versionView
  .extend({ warnings: z.array(screeningFindingView) })
  .meta({ id: 'AgentVersionWithWarnings', example: { ...versionExample, warnings: [] } });

const historyExample = {
  id: exampleIds.historyEntry,
  agent_id: exampleIds.agent,
  change_type: 'configuration_update',
  field_changed: 'temperature',
  old_value: '0.7',
  new_value: '0.3',
  changed_by_user_id: exampleIds.user,
  changed_by_api_key_id: null,
  change_reason: temperatureChange.change_reason,
  ip_address: '203.0.113.24',
  version: 2,
  change_timestamp: exampleTimes.agentUpdated,
};

export const historyView = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    change_type: z.string(),
    field_changed: z.string().nullable(),
    old_value: z.string().nullable(),
    new_value: z.string().nullable(),
    changed_by_user_id: z.uuid().nullable(),
    changed_by_api_key_id: z.uuid().nullable(),
    change_reason: z.string().nullable(),
    ip_address: z.string().nullable(),
    version: z.number().int(),
    change_timestamp: timestamp,
  })
  .meta({ id: 'AgentHistoryEntry', example: historyExample });
export const historyListView = z.array(historyView).meta({ example: [historyExample] });

export const diffView = z
  .object({
    agent_id: z.uuid(),
    from_version: z.number().int(),
    to_version: z.number().int(),
    changes: z.array(z.object({ field: z.string(), old_value: z.unknown(), new_value: z.unknown() })),
  })
  .meta({
    id: 'AgentVersionDiff',
    example: {
      agent_id: exampleIds.agent,
      from_version: 1,
      to_version: 2,
      changes: [{ field: 'temperature', old_value: 0.7, new_value: 0.3 }],
    },
  });

export type AgentView = z.infer<typeof agentView>;
export type VersionView = z.infer<typeof versionView>;
export type HistoryView = z.infer<typeof historyView>;
export type DiffView = z.infer<typeof diffView>;
export type ScreeningFindingView = z.infer<typeof screeningFindingView>;

import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { agentConfigObject, agentConfigPatchSchema, agentKinds, agentStatuses } from './agent-config.ts';

/** Seed 001 spellings accepted beside Agentry's own names (see docs/agents.md). */
const aliasShape = {
  type: z.enum(agentKinds).optional().describe('Alias of kind (seed 001)'),
  llm_model: z.string().max(200).nullable().optional().describe('Alias of model (seed 001)'),
  memory_k: z.number().int().min(1).max(20).optional().describe('Alias of memory.k (seed 001)'),
  thread_window: z
    .number()
    .int()
    .min(5)
    .max(50)
    .optional()
    .describe('Alias of memory.thread_window (seed 001)'),
  memory_enabled: z.boolean().optional().describe('Alias of use_memory_context (seed 001)'),
};

const configurationInput = agentConfigPatchSchema.extend(aliasShape).strict();
export type ConfigurationInput = z.infer<typeof configurationInput>;

const changeReason = z.string().max(2_000).optional().describe('Why; recorded in history and the version');
const expectedVersion = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe('Optimistic concurrency: fail with 409 unless the agent is at this version (or send If-Match)');
const writableStatus = z.enum(['active', 'inactive']);

const agentInputShape = {
  configuration: configurationInput.optional().describe('The same fields, grouped (seed 000 phase 5)'),
  status: writableStatus.optional(),
  is_active: z.boolean().optional().describe('Alias of status active/inactive (seed 000)'),
  change_reason: changeReason,
};

export const createAgentBody = configurationInput
  .extend(agentInputShape)
  .strict()
  .meta({ id: 'AgentCreate' });
export const updateAgentBody = configurationInput
  .extend({ ...agentInputShape, expected_version: expectedVersion })
  .strict()
  .meta({ id: 'AgentUpdate' });
export const configurationBody = configurationInput
  .extend({ change_reason: changeReason, expected_version: expectedVersion })
  .strict()
  .meta({ id: 'ConfigurationUpdate' });
export const rollbackBody = z
  .object({
    version: z.number().int().min(1),
    change_reason: changeReason,
    expected_version: expectedVersion,
  })
  .strict();

export type CreateAgentBody = z.infer<typeof createAgentBody>;
export type UpdateAgentBody = z.infer<typeof updateAgentBody>;

export const listAgentsQuery = pageQuery(50, 200).extend({
  status: z.enum(agentStatuses).optional(),
  agent_type: z.string().max(50).optional(),
  kind: z.enum(agentKinds).optional(),
  tag: z.string().max(64).optional(),
  search: z.string().max(200).optional().describe('Case-insensitive match in name and description'),
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

const runtimeView = z.object({
  state: z.enum(['idle', 'busy', 'error', 'offline']),
  health: z.enum(['healthy', 'warning', 'error']),
  last_heartbeat: nullableTimestamp,
  last_error: z.string().nullable(),
  consecutive_failures: z.number().int(),
});

export const agentView = agentConfigObject
  .extend({
    id: z.uuid(),
    organization_id: z.uuid(),
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
  .meta({ id: 'Agent' });

export const agentWriteView = agentView
  .extend({
    warnings: z.array(screeningFindingView).describe('Prompt screening findings that did not block'),
  })
  .meta({ id: 'AgentWithWarnings' });

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
  .meta({ id: 'AgentVersion' });

export const configurationWriteView = versionView
  .extend({ warnings: z.array(screeningFindingView) })
  .meta({ id: 'AgentVersionWithWarnings' });

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
  .meta({ id: 'AgentHistoryEntry' });

export const diffView = z
  .object({
    agent_id: z.uuid(),
    from_version: z.number().int(),
    to_version: z.number().int(),
    changes: z.array(z.object({ field: z.string(), old_value: z.unknown(), new_value: z.unknown() })),
  })
  .meta({ id: 'AgentVersionDiff' });

export type AgentView = z.infer<typeof agentView>;
export type VersionView = z.infer<typeof versionView>;
export type HistoryView = z.infer<typeof historyView>;
export type DiffView = z.infer<typeof diffView>;
export type ScreeningFindingView = z.infer<typeof screeningFindingView>;

import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { actionTypes, runStatuses, runTriggers } from './run-tables.ts';

export const usageView = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .meta({ id: 'TokenUsage' });

export const runView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid(),
    agent_version: z.number().int(),
    session_id: z.uuid().nullable(),
    trigger: z.enum(runTriggers),
    status: z.enum(runStatuses),
    input: z.record(z.string(), z.unknown()),
    output: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    usage: usageView,
    cost_estimate: z.number().nullable(),
    model: z.string().nullable(),
    provider_id: z.string().nullable(),
    provider_name: z.string().nullable(),
    provider_type: z.string().nullable(),
    fallback_used: z.boolean(),
    warnings: z.array(z.string()),
    started_at: timestamp,
    completed_at: nullableTimestamp,
    duration_ms: z.number().int().nullable(),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
  })
  .meta({ id: 'Run' });
export type RunView = z.infer<typeof runView>;

export const actionView = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    run_id: z.uuid(),
    sequence: z.number().int(),
    action_type: z.enum(actionTypes),
    action_data: z.record(z.string(), z.unknown()),
    result_data: z.record(z.string(), z.unknown()),
    success: z.boolean(),
    execution_time_ms: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'AgentAction' });
export type ActionView = z.infer<typeof actionView>;

export const runWithActionsView = runView
  .extend({ actions: z.array(actionView) })
  .meta({ id: 'RunWithActions' });

export const listRunsQuery = pageQuery(50, 200).extend({
  agent_id: z.uuid().optional(),
  session_id: z.uuid().optional(),
  status: z.enum(runStatuses).optional(),
  trigger: z.enum(runTriggers).optional(),
});

export const agentActionsQuery = pageQuery(50, 200).extend({
  action_type: z.enum(actionTypes).optional(),
  run_id: z.uuid().optional(),
});

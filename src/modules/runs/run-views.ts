import { iso } from '../../platform/http/common-schemas.ts';
import type { ActionRow, RunRow } from './run-repository.ts';
import type { ActionView, RunView } from './run-schemas.ts';

export const toRunView = (row: RunRow): RunView => ({
  id: row.id,
  organization_id: row.organizationId,
  agent_id: row.agentId,
  agent_version: row.agentVersion,
  session_id: row.sessionId,
  trigger: row.trigger,
  status: row.status,
  input: row.input,
  output: row.output,
  error: row.error,
  usage: row.usage,
  cost_estimate: row.costEstimate,
  model: row.model,
  provider_id: row.providerId,
  provider_name: row.providerName,
  provider_type: row.providerType,
  fallback_used: row.fallbackUsed,
  warnings: row.warnings,
  started_at: row.startedAt.toISOString(),
  completed_at: iso(row.completedAt),
  duration_ms: row.durationMs,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
});

export const toActionView = (row: ActionRow): ActionView => ({
  id: row.id,
  agent_id: row.agentId,
  run_id: row.runId,
  task_id: row.taskId,
  sequence: row.sequence,
  action_type: row.actionType,
  action_data: row.actionData,
  result_data: row.resultData,
  success: row.success,
  execution_time_ms: row.executionTimeMs,
  created_at: row.createdAt.toISOString(),
});

import { iso } from '../../platform/http/common-schemas.ts';
import { type AgentConfig, defaultAgentConfig } from './agent-config.ts';
import type { AgentHistoryRow, AgentRow, AgentVersionRow } from './agent-repository.ts';
import type { AgentView, HistoryView, VersionView } from './agent-schemas.ts';

/** Stored snapshots predate fields added later; those read as their defaults. */
export const withDefaults = (stored: AgentConfig): AgentConfig => ({ ...defaultAgentConfig, ...stored });

/**
 * The runtime as the API shows it: busy while any of its runs is running (derived, never stored),
 * else the state its last turns left (idle, or error after a failure); the health monitor's keys
 * read as "never checked, no alert" until it wrote them.
 */
function runtimeView(runtime: AgentRow['runtime'], runningTurns: number): AgentView['runtime'] {
  const settled = runtime.state === 'busy' ? 'idle' : runtime.state;
  return {
    state: runningTurns > 0 ? 'busy' : settled,
    health: runtime.health,
    last_heartbeat: runtime.last_heartbeat,
    last_error: runtime.last_error,
    consecutive_failures: runtime.consecutive_failures,
    last_health_check: runtime.last_health_check ?? null,
    alerts: runtime.alerts ?? [],
  };
}

/** `runningTurns`: how many of its runs are running, when the read knows it (a write's answer does not). */
export const toAgentView = (row: AgentRow, runningTurns = 0): AgentView => ({
  ...withDefaults(row.configuration),
  id: row.id,
  organization_id: row.organizationId,
  project_id: row.projectId,
  status: row.status,
  is_active: row.status === 'active',
  version: row.version,
  runtime: runtimeView(row.runtime, runningTurns),
  interaction_count: row.interactionCount,
  last_interaction_at: iso(row.lastInteractionAt),
  total_tasks_processed: row.totalTasksProcessed,
  total_processing_time_ms: row.totalProcessingTimeMs,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toVersionView = (row: AgentVersionRow): VersionView => ({
  agent_id: row.agentId,
  version: row.version,
  configuration: withDefaults(row.snapshot),
  checksum: row.checksum,
  change_type: row.changeType,
  change_reason: row.changeReason,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
});

export const toHistoryView = (row: AgentHistoryRow): HistoryView => ({
  id: row.id,
  agent_id: row.agentId,
  change_type: row.changeType,
  field_changed: row.fieldChanged,
  old_value: row.oldValue,
  new_value: row.newValue,
  changed_by_user_id: row.changedByUserId,
  changed_by_api_key_id: row.changedByApiKeyId,
  change_reason: row.changeReason,
  ip_address: row.ipAddress,
  version: row.version,
  change_timestamp: row.changeTimestamp.toISOString(),
});

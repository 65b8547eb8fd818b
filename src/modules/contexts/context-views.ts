import type { ContextRow, ContextShareRow, ContextVersionRow } from './context-repository.ts';
import type {
  ContextListItem,
  ContextShareView,
  ContextVersionView,
  ContextView,
} from './context-schemas.ts';

export const toContextView = (
  row: ContextRow,
  shown: { version: number; data: Record<string, unknown> },
): ContextView => ({
  id: row.id,
  organization_id: row.organizationId,
  project_id: row.projectId,
  agent_id: row.agentId,
  name: row.name,
  version: shown.version,
  current_version: row.currentVersion,
  data: shown.data,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toListItem = (row: ContextRow, access: ContextListItem['access']): ContextListItem => ({
  id: row.id,
  organization_id: row.organizationId,
  project_id: row.projectId,
  owner_agent_id: row.agentId,
  name: row.name,
  current_version: row.currentVersion,
  access,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toVersionView = (
  row: Omit<ContextVersionRow, 'data'> & { data?: Record<string, unknown> },
): ContextVersionView => ({
  context_id: row.contextId,
  version: row.version,
  change_type: row.changeType,
  change_description: row.changeDescription,
  restored_version: row.restoredVersion,
  created_by: {
    user_id: row.createdByUserId,
    api_key_id: row.createdByApiKeyId,
    agent_id: row.createdByAgentId,
    run_id: row.createdByRunId,
  },
  created_at: row.createdAt.toISOString(),
  ...(row.data !== undefined ? { data: row.data } : {}),
});

export const toShareView = (row: ContextShareRow): ContextShareView => ({
  context_id: row.contextId,
  agent_id: row.agentId,
  access: row.access,
  created_at: row.createdAt.toISOString(),
});

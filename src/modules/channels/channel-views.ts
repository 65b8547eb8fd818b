import type { ChannelRow } from './channel-repository.ts';
import type { ChannelView } from './channel-schemas.ts';

const inboundPaths: Record<ChannelRow['kind'], ((id: string) => string) | null> = {
  slack: (id) => `/api/v1/channels/${id}/slack/events`,
  webhook: (id) => `/api/v1/channels/${id}/inbound`,
  email: null,
};

/** The channel as the API shows it: the names of its secrets, never their values. */
export const toChannelView = (row: ChannelRow, credentialNames: string[]): ChannelView => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  agent_id: row.agentId,
  enabled: row.enabled,
  task_priority: row.taskPriority,
  settings: row.settings,
  credentials_set: credentialNames.sort(),
  inbound_url: inboundPaths[row.kind]?.(row.id) ?? null,
  inbound_address: row.inboundAddress,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

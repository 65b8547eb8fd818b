import type { Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { McpServerRow } from './tool-tables.ts';

/** The live events of MCP servers (docs/events.md); every process's client pool listens too. */
export const MCP_SERVER_EVENTS = {
  created: 'mcp-server-created',
  updated: 'mcp-server-updated',
  deleted: 'mcp-server-deleted',
} as const;

/** Whether an event says an MCP server changed, and which. */
export function changedServerOf(event: { type: string; data: Record<string, unknown> }): string | undefined {
  const known: string[] = Object.values(MCP_SERVER_EVENTS);
  const id = event.data.mcp_server_id;
  return known.includes(event.type) && typeof id === 'string' ? id : undefined;
}

type ServerState = Pick<
  McpServerRow,
  'id' | 'organizationId' | 'name' | 'enabled' | 'healthStatus' | 'healthError'
>;

/**
 * `mcp-server-created`, or `mcp-server-updated` when the configuration changed (`change:
 * configuration`) or a check started or ended (`change: check`). Ids, names and states only: never
 * the authentication. Published with the change's transaction.
 */
export function announceServer(
  events: Pick<EventPublisher, 'publish'>,
  tx: Executor,
  type: typeof MCP_SERVER_EVENTS.created | typeof MCP_SERVER_EVENTS.updated,
  row: ServerState,
  extra: Record<string, unknown> = {},
) {
  const data = {
    mcp_server_id: row.id,
    name: row.name,
    enabled: row.enabled,
    health_status: row.healthStatus,
    health_error: row.healthError,
    ...extra,
  };
  return events.publish({ type, organization_id: row.organizationId, data }, { tx });
}

export function announceServerDeleted(
  events: Pick<EventPublisher, 'publish'>,
  tx: Executor,
  row: Pick<McpServerRow, 'id' | 'organizationId' | 'name'>,
) {
  const data = { mcp_server_id: row.id, name: row.name };
  return events.publish(
    { type: MCP_SERVER_EVENTS.deleted, organization_id: row.organizationId, data },
    { tx },
  );
}

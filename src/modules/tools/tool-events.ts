import type { Executor } from '../../platform/db/database.ts';
import type { AgentryEvent, EventPublisher } from '../../platform/events/event-bus.ts';
import { changedServerOf } from './mcp-events.ts';
import type { ToolRow } from './tool-tables.ts';

/** The live events of the organization's own tools (docs/tools.md); every process's tool cache listens too. */
export const TOOL_EVENTS = {
  created: 'tool-created',
  updated: 'tool-updated',
  deleted: 'tool-deleted',
} as const;

const toolEventTypes: string[] = Object.values(TOOL_EVENTS);

/** `tool-created`, `-updated` or `-deleted`, published with the change's transaction: ids, names and states only. */
export function announceTool(
  events: Pick<EventPublisher, 'publish'>,
  tx: Executor,
  type: (typeof TOOL_EVENTS)[keyof typeof TOOL_EVENTS],
  row: Pick<ToolRow, 'id' | 'organizationId' | 'name' | 'kind' | 'enabled'>,
) {
  const data = { tool_id: row.id, name: row.name, kind: row.kind, enabled: row.enabled };
  return events.publish({ type, organization_id: row.organizationId, data }, { tx });
}

/**
 * Whether an event may change the tools a turn is offered: a tool of the organization changed, or
 * one of its MCP servers did (enabled, deleted, or checked with a new tool list).
 */
export const changesTools = (event: AgentryEvent): boolean =>
  toolEventTypes.includes(event.type) || changedServerOf(event) !== undefined;

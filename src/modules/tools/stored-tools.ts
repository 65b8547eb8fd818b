import type { JSONSchema7 } from 'ai';
import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import type { AgentTool, ToolProvider } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { HttpToolCaller } from './http-tool-call.ts';
import { templateHost } from './http-tool-templates.ts';
import type { McpToolCaller } from './tool-contracts.ts';
import { changesTools } from './tool-events.ts';
import { assertModelArguments } from './tool-input.ts';
import { prepareUsableTools, type ToolRow, type UsableToolRow } from './tool-repository.ts';
import { openSecretHeaders } from './tool-secrets.ts';

/** Organizations whose tools one process keeps. */
const TOOL_CACHE_SIZE = 1_000;

/**
 * The organization's own tools (its HTTP tools and its MCP servers' tools) as the turn sees them,
 * and how one runs. They are kept per organization in the process (reading them costs about 2 ms
 * a turn on PGlite with 20 tools, 0.5 ms on PostgreSQL) and forgotten on every event that may
 * change them, from any process: a change is seen by the next turn everywhere.
 */
export function createStoredTools(options: {
  db: Database;
  secretBox: SecretBox;
  callHttpTool: HttpToolCaller;
  callMcpTool: McpToolCaller;
}) {
  const usableTools = prepareUsableTools(options.db);
  const cache = createInvalidatingCache<AgentTool[]>(TOOL_CACHE_SIZE);

  /** Runs a stored tool once with arguments already validated; throws what the model should read. */
  async function run(
    principal: Principal,
    row: ToolRow,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<unknown> {
    if (row.kind === 'mcp') {
      if (!row.mcpServerId || !row.mcpToolName) throw new Error(`The MCP tool ${row.name} has no server`);
      return options.callMcpTool(
        principal,
        { serverId: row.mcpServerId, toolName: row.mcpToolName },
        args,
        signal,
      );
    }
    if (!row.http) throw new Error(`The HTTP tool ${row.name} has no request`);
    return options.callHttpTool(
      {
        id: row.id,
        organizationId: row.organizationId,
        name: row.name,
        request: row.http,
        secretHeaders: openSecretHeaders(options.secretBox, row.id, row.secretHeadersCiphertext),
        retryConfig: row.retryConfig,
        circuitBreakerConfig: row.circuitBreakerConfig,
      },
      args,
      signal,
    );
  }

  function agentToolOf(row: UsableToolRow): AgentTool {
    const { $schema: _dialect, ...inputSchema } = row.inputSchema;
    return {
      name: row.name,
      description: row.description,
      inputSchema: inputSchema as JSONSchema7,
      origin:
        row.kind === 'mcp'
          ? {
              kind: 'mcp',
              tool_id: row.id,
              mcp_server_id: row.mcpServerId ?? '',
              mcp_server: row.mcpServerName ?? '',
            }
          : { kind: 'http', tool_id: row.id, host: templateHost(row.http?.url_template ?? '') ?? '' },
      async execute(input, context) {
        const args = input ?? {};
        assertModelArguments(row.inputSchema, args);
        return run(context.principal, row, args, context.signal);
      },
    };
  }

  const provider: ToolProvider = {
    name: 'stored_tools',
    toolsFor: (scope) =>
      cache.get(scope.organizationId, 'usable', async () => (await usableTools(scope)).map(agentToolOf)),
  };

  const watcher: EventWatcher = {
    event(event) {
      if (changesTools(event)) cache.invalidateGroup(event.organization_id);
    },
    gap: () => cache.clear(),
  };

  return {
    provider,
    run,
    watcher,
    /** After a change of the organization's tools committed: this process does not wait for its event. */
    forget: (organizationId: string) => cache.invalidateGroup(organizationId),
  };
}

export type StoredTools = ReturnType<typeof createStoredTools>;

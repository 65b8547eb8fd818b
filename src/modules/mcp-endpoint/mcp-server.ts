import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger } from 'fastify';
import { describeError } from '../../platform/http/error-description.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import type { CatalogTool, ProgressReporter } from './catalog-tool.ts';
import type { ToolCatalog } from './tool-catalog.ts';
import { failedToolResult, logFailure } from './tool-results.ts';

const INSTRUCTIONS = [
  'Each tool is an agent of your Agentry organization (ask_<agent>: a message in, its answer out)',
  'or a task definition assigned to one (run_<task>_<agent>: an input in, a JSON object valid',
  'against the tool’s output schema out). An answer names its session_id: pass it back to',
  'continue the conversation with the same agent.',
].join(' ');

export interface McpServerOptions {
  principal: Principal;
  catalogFor: ToolCatalog;
  /** Agentry's version, told to clients when they initialize. */
  version: string;
  log: FastifyBaseLogger;
}

/**
 * The MCP server of one request, acting for its caller. The SDK's low-level Server, not
 * McpServer: the tools are the caller's, read from the database with their JSON Schemas as stored
 * (a task definition's response_schema), where McpServer registers a fixed set with zod schemas.
 */
export function createMcpServer({ principal, catalogFor, version, log }: McpServerOptions): Server {
  const server = new Server(
    { name: 'agentry', title: 'Agentry', version },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );

  /** The catalog, or a JSON-RPC error whose message is as safe as the HTTP API's. */
  async function catalog(): Promise<Map<string, CatalogTool>> {
    try {
      return await catalogFor(principal);
    } catch (error) {
      const description = describeError(error);
      logFailure(log, error, description);
      throw new McpError(ErrorCode.InternalError, description.message, { code: description.code });
    }
  }

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...(await catalog()).values()].map(({ tool }) => tool),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: given = {} } = request.params;
    const entry = (await catalog()).get(name);
    // Another organization's agent, like a name that never existed: unknown to this caller.
    if (!entry) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name} (tools/list shows yours)`);
    }
    const progressToken = request.params._meta?.progressToken;
    let progress = 0;
    const report: ProgressReporter | undefined =
      progressToken === undefined
        ? undefined
        : (message) => {
            progress += 1;
            extra
              .sendNotification({
                method: 'notifications/progress',
                params: { progressToken, progress, message },
              })
              .catch((error: unknown) => log.debug({ err: error }, 'MCP progress not delivered'));
          };
    try {
      requirePermission(principal, 'agents:execute');
      return await entry.call(given, { signal: extra.signal, progress: report });
    } catch (error) {
      return failedToolResult(error, log);
    }
  });
  return server;
}

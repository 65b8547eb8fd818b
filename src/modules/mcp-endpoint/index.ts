import type { FastifyInstance } from 'fastify';
import type { AccessGuard } from '../tenancy/index.ts';
import { mcpEndpointRoutes } from './mcp-endpoint-routes.ts';
import { createMcpRequestHandler } from './mcp-transport.ts';
import { createToolCatalog, type ToolCatalogDependencies } from './tool-catalog.ts';

export { MCP_ENDPOINT_PATH } from './mcp-endpoint-routes.ts';

export interface McpEndpointOptions extends ToolCatalogDependencies {
  /** MCP_ENDPOINT_ENABLED: false leaves /mcp unregistered (404). */
  enabled: boolean;
  guard: AccessGuard;
  /** Agentry's version, told to MCP clients. */
  version: string;
}

/**
 * Agentry as an MCP server (docs/mcp-endpoint.md): at /mcp, MCP clients authenticated with an API
 * key or a token list the caller's agents and assigned task definitions as tools and call them;
 * each call is a turn with trigger `mcp`, run by the execution module like every other trigger.
 */
export async function registerMcpEndpoint(app: FastifyInstance, options: McpEndpointOptions) {
  if (!options.enabled) return;
  const catalogFor = createToolCatalog(options);
  const answer = createMcpRequestHandler({ catalogFor, version: options.version });
  await app.register(mcpEndpointRoutes(answer, options.guard));
}

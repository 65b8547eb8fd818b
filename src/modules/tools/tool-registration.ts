import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { TurnRegistry } from '../execution/index.ts';
import type { ServiceCalls, ServiceCatalog } from '../services/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createHttpToolCaller } from './http-tool-call.ts';
import { templateHost } from './http-tool-templates.ts';
import { createStoredTools } from './stored-tools.ts';
import { createToolCatalogue } from './tool-catalogue.ts';
import type { McpToolCaller, ToolNameCheck } from './tool-contracts.ts';
import { createToolReferences, type DescribeTools } from './tool-references.ts';
import { listHttpTools } from './tool-repository.ts';
import { toolRoutes } from './tool-routes.ts';
import { createToolService } from './tool-service.ts';

/** Tools: the organization's catalogue (HTTP tools, MCP servers' tools, built-in tools) and its API. */
export async function registerTools(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    events: Pick<EventBus, 'publish' | 'watch'>;
    secretKey: Buffer;
    outbound: OutboundGuard;
    services: ServiceCalls;
    settings: Config['tools'];
    turnRegistry: TurnRegistry;
    callMcpTool: McpToolCaller;
  },
): Promise<{ checkToolNames: ToolNameCheck; describeTools: DescribeTools; catalog: ServiceCatalog }> {
  const secretBox = createSecretBox(options.secretKey);
  const stored = createStoredTools({
    db: options.db,
    secretBox,
    callHttpTool: createHttpToolCaller({
      fetch: options.outbound.fetch,
      services: options.services,
      defaults: options.settings.resilience,
    }),
    callMcpTool: options.callMcpTool,
  });
  options.turnRegistry.addToolProvider(stored.provider);
  options.events.watch(stored.watcher);
  const catalogue = createToolCatalogue({
    db: options.db,
    registry: options.turnRegistry,
    stored: stored.provider,
  });
  const service = createToolService({
    db: options.db,
    secretBox,
    outbound: options.outbound,
    events: options.events,
    catalogue,
    stored,
    defaults: options.settings.resilience,
  });
  await app.register(toolRoutes(service, options.guard), { prefix: '/api/v1' });

  /** The organization's HTTP tools as external services (their MCP servers list themselves). */
  const catalog: ServiceCatalog = async (scope) =>
    (await listHttpTools(options.db, scope)).map((tool) => ({
      type: 'http_tool',
      id: tool.id,
      name: tool.name,
      endpoint: templateHost(tool.http?.url_template ?? '') ?? null,
      enabled: tool.enabled,
      check: null,
    }));

  return {
    checkToolNames: catalogue.checkToolNames,
    /** Tools as an agent file refers to them (no ids, no secrets). */
    describeTools: createToolReferences(options.db, catalogue),
    catalog,
  };
}

import type { FastifyInstance } from 'fastify';
import packageJson from '../../../package.json' with { type: 'json' };
import type { Config } from '../../config.ts';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { ServiceCalls, ServiceCatalog } from '../services/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { mcpCheckJob } from './mcp-check-job.ts';
import { createMcpClientPool } from './mcp-client-pool.ts';
import { createMcpConnector } from './mcp-connection.ts';
import { changedServerOf, MCP_SERVER_EVENTS } from './mcp-events.ts';
import { mcpHealthJob } from './mcp-health-job.ts';
import { mcpServerRoutes } from './mcp-routes.ts';
import { createMcpServerService } from './mcp-server-service.ts';
import { mcpServiceCatalog } from './mcp-service-catalog.ts';
import { createMcpToolCaller } from './mcp-tool-caller.ts';
import type { McpToolCaller } from './tool-contracts.ts';

/** MCP servers: their API, connection checks, tool lists and pooled clients. */
export async function registerMcpServers(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    queue: JobQueue;
    jobs: JobRegistry;
    events: Pick<EventBus, 'publish' | 'watch'>;
    secretKey: Buffer;
    outbound: OutboundGuard;
    services: ServiceCalls;
    settings: Config['tools'];
  },
): Promise<{ callTool: McpToolCaller; catalog: ServiceCatalog }> {
  const { db, settings, events } = options;
  const secretBox = createSecretBox(options.secretKey);
  const connect = createMcpConnector({
    fetch: options.outbound.fetch,
    allowedCommands: settings.mcpStdioAllowedCommands,
    clientInfo: { name: 'agentry', version: packageJson.version },
  });
  const pool = createMcpClientPool({ db, secretBox, connect });
  // Every process's pool hears of every server's changes, whichever process made them.
  options.events.watch({
    event(event) {
      const serverId = changedServerOf(event);
      if (serverId) pool.forget(serverId, { deleted: event.type === MCP_SERVER_EVENTS.deleted });
    },
    gap: pool.forgetAll,
  });
  app.addHook('onClose', pool.close);

  const service = createMcpServerService({
    db,
    queue: options.queue,
    secretBox,
    outboundGuard: options.outbound,
    allowedCommands: settings.mcpStdioAllowedCommands,
    events,
    onChanged: pool.forget,
  });
  await app.register(mcpServerRoutes(service, options.guard), { prefix: '/api/v1' });
  options.jobs.add(
    mcpCheckJob({
      db,
      secretBox,
      connect,
      fetch: options.outbound.fetch,
      defaultTimeoutMs: settings.resilience.callTimeoutMs,
      events,
    }),
  );
  options.jobs.add(mcpHealthJob({ db, queue: options.queue, schedule: settings.mcpHealthCheckCron }));

  return {
    callTool: createMcpToolCaller({
      pool,
      services: options.services,
      defaults: settings.resilience,
      resultMaxBytes: settings.resultMaxBytes,
    }),
    catalog: mcpServiceCatalog(db),
  };
}

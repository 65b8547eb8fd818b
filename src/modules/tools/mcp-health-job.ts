import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { MCP_CHECK_QUEUE, type McpCheckJobData } from './mcp-check-job.ts';
import { enabledServersAfter } from './mcp-repository.ts';

export const MCP_HEALTH_QUEUE = 'maintenance-mcp-health';
const BATCH_SIZE = 200;

/**
 * The periodic health checks, on the maintenance schedule (MCP_HEALTH_CHECK_CRON), for the
 * operator across organizations: a check of every enabled server is enqueued with the sequence
 * the server holds, so a check asked for meanwhile supersedes it. A missed run is made up by the
 * next; a check that runs twice does no harm.
 */
export function mcpHealthJob({
  db,
  queue,
  schedule,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  schedule: string;
}): JobDefinition {
  return {
    queue: { name: MCP_HEALTH_QUEUE, options: { retryLimit: 0, expireInSeconds: 300 }, deadLetter: false },
    schedule,
    handle: async () => {
      let afterId: string | null = null;
      for (;;) {
        const servers = await enabledServersAfter(db, afterId, BATCH_SIZE);
        for (const server of servers) {
          const data: McpCheckJobData = {
            serverId: server.id,
            organizationId: server.organizationId,
            sequence: server.checkSequence,
          };
          await queue.send(MCP_CHECK_QUEUE, data);
        }
        if (servers.length < BATCH_SIZE) return;
        afterId = servers.at(-1)?.id ?? null;
      }
    },
  };
}

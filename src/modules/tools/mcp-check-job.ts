import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { McpConnector } from './mcp-connection.ts';
import { type McpAuthentication, openAuthentication, secretsOf } from './mcp-credentials.ts';
import { type Discovery, discoverServer } from './mcp-discovery.ts';
import { announceServer, MCP_SERVER_EVENTS } from './mcp-events.ts';
import { describeFailure } from './mcp-failures.ts';
import { claimCheck, lockCheckedServer, type McpCheckRecord, recordCheck } from './mcp-repository.ts';
import { syncServerTools } from './mcp-tool-sync.ts';
import type { McpServerRow } from './tool-tables.ts';

export const MCP_CHECK_QUEUE = 'mcp-server-check';
const RETRY_LIMIT = 2;

/** One check of one server. */
export interface McpCheckJobData {
  serverId: string;
  organizationId: string;
  /** The server's check sequence when the check was asked for: a newer request supersedes it. */
  sequence: number;
}

type CheckOutcome = McpCheckRecord & { tools?: Discovery['tools'] };

/**
 * Connects to a server, lists what it offers and stores the outcome (DESIGN 7b): delivered at least
 * once, so a check acts only while the row holds its sequence, and checking twice does no harm. A
 * server's failure is the check's result (`error` and its text), not a reason to retry; only
 * unexpected failures (the database) are retried, and the last attempt records an error so that
 * the server never stays `checking`.
 */
export function mcpCheckJob({
  db,
  secretBox,
  connect,
  fetch,
  defaultTimeoutMs,
  events,
}: {
  db: Database;
  secretBox: SecretBox;
  connect: McpConnector;
  /** The outbound guard's fetch, for a server's health_check_url. */
  fetch: OutboundGuard['fetch'];
  defaultTimeoutMs: number;
  events: Pick<EventPublisher, 'publish'>;
}): JobDefinition<McpCheckJobData> {
  async function probeHealthUrl(url: string, signal: AbortSignal, timeoutMs: number, secrets: string[]) {
    try {
      const response = await fetch(url, { signal });
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? undefined : `The health check URL answered HTTP ${response.status}`;
    } catch (error) {
      return `The health check URL failed: ${describeFailure(error, { timeoutMs, secrets })}`;
    }
  }

  async function check(row: McpServerRow, jobSignal: AbortSignal): Promise<CheckOutcome> {
    const timeoutMs = row.timeoutSeconds ? row.timeoutSeconds * 1000 : defaultTimeoutMs;
    const signal = AbortSignal.any([jobSignal, AbortSignal.timeout(timeoutMs)]);
    let authentication: McpAuthentication;
    try {
      authentication = openAuthentication(secretBox, row);
    } catch {
      const error =
        'The stored authentication cannot be decrypted (was AGENTRY_SECRET_KEY changed?); set it again';
      return { status: 'error', error };
    }
    const secrets = secretsOf(authentication);
    let client: Client | undefined;
    let discovery: Discovery;
    try {
      client = await connect({ ...row, authentication }, { signal, timeoutMs });
      discovery = await discoverServer(client, { signal, timeout: timeoutMs });
    } catch (error) {
      if (jobSignal.aborted) throw error;
      return {
        status: 'error',
        error: `Could not connect: ${describeFailure(error, { timeoutMs, secrets })}`,
      };
    } finally {
      await client?.close().catch(() => undefined);
    }
    const { tools, ...discovered } = discovery;
    const healthFailure = row.healthCheckUrl
      ? await probeHealthUrl(row.healthCheckUrl, signal, timeoutMs, secrets)
      : undefined;
    return healthFailure
      ? { status: 'error', error: healthFailure, discovered, tools }
      : { status: 'connected', error: null, discovered, tools };
  }

  /** Stores the outcome while the server still holds the check's sequence; the tools with it. */
  async function record(scope: TenantScope, serverId: string, sequence: number, outcome: CheckOutcome) {
    await db.transaction(async (tx) => {
      const locked = await lockCheckedServer(tx, scope, serverId, sequence);
      if (!locked) return;
      const { tools, ...stored } = outcome;
      const recorded = (await recordCheck(tx, scope, serverId, stored)) as McpServerRow;
      const toolsChanged = tools ? await syncServerTools(tx, scope, locked, tools) : false;
      const healthChanged =
        locked.healthStatus !== recorded.healthStatus || locked.healthError !== recorded.healthError;
      if (healthChanged || toolsChanged) {
        await announceServer(events, tx, MCP_SERVER_EVENTS.updated, recorded, { change: 'check' });
      }
    });
  }

  return {
    queue: {
      name: MCP_CHECK_QUEUE,
      options: { retryLimit: RETRY_LIMIT, retryDelay: 2, retryBackoff: true, expireInSeconds: 660 },
      deadLetter: true,
    },
    concurrency: 4,
    handle: async (job) => {
      const { serverId, sequence } = job.data;
      // The job acts for the organization that asked for it, and only on that organization's row.
      const scope = { organizationId: job.data.organizationId };
      const row = await claimCheck(db, scope, serverId, sequence);
      if (!row) return;
      if (row.healthStatus === 'checking') {
        await announceServer(events, db, MCP_SERVER_EVENTS.updated, row, { change: 'check' });
      }
      try {
        await record(scope, serverId, sequence, await check(row, job.signal));
      } catch (error) {
        if (job.attempt >= RETRY_LIMIT) {
          const failure = 'The check failed unexpectedly; refresh the server to check it again';
          await record(scope, serverId, sequence, { status: 'error', error: failure });
        }
        throw error;
      }
    },
  };
}

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { McpConnector } from './mcp-connection.ts';
import { openAuthentication, secretsOf } from './mcp-credentials.ts';
import { findServer } from './mcp-repository.ts';
import type { McpServerRow } from './tool-tables.ts';

/** A pooled client unused this long is closed (its session, its stdio process). */
const IDLE_CLOSE_MS = 5 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;

/** A server's connected client, and the secrets its errors must never show. */
export interface PooledConnection {
  client: Client;
  secrets: string[];
}

interface Entry {
  /** The configuration it was opened for: the server's `updated_at`. */
  version: number;
  connecting: Promise<PooledConnection>;
  lastUsed: number;
}

/** Waits for `promise` unless `signal` aborts first (the promise goes on for its other waiters). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One connected MCP client per server in this process: connected on first use, shared by every
 * call (MCP multiplexes requests on a session), opened again after a connection failure or when
 * the server's configuration changed (its `updated_at`), closed when idle and when the app closes.
 * Server rows are cached too; `forget` drops one when an event says it changed.
 */
export function createMcpClientPool({
  db,
  secretBox,
  connect,
}: {
  db: Executor;
  secretBox: SecretBox;
  connect: McpConnector;
}) {
  const rows = new Map<string, McpServerRow>();
  const entries = new Map<string, Entry>();
  // Bumped by every `forget`: a row read before it may be stale and is not cached.
  let generation = 0;

  const closeEntry = (entry: Entry) => {
    entry.connecting.then(({ client }) => client.close()).catch(() => undefined);
  };
  const drop = (serverId: string, entry: Entry) => {
    if (entries.get(serverId) !== entry) return;
    entries.delete(serverId);
    closeEntry(entry);
  };

  function open(row: McpServerRow, timeoutMs: number): Entry {
    const entry: Entry = {
      version: row.updatedAt.getTime(),
      lastUsed: Date.now(),
      connecting: (async () => {
        const authentication = openAuthentication(secretBox, row);
        const client = await connect(
          { ...row, authentication },
          { signal: AbortSignal.timeout(timeoutMs), timeoutMs },
        );
        // A stdio process that exits, or a transport closed under us, is not reused.
        client.onclose = () => drop(row.id, entry);
        return { client, secrets: secretsOf(authentication) };
      })(),
    };
    entry.connecting.catch(() => drop(row.id, entry));
    return entry;
  }

  const sweep = setInterval(() => {
    const idleSince = Date.now() - IDLE_CLOSE_MS;
    for (const [serverId, entry] of entries) if (entry.lastUsed < idleSince) drop(serverId, entry);
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  return {
    /** The scope's live server, from this process's cache; undefined when there is none. */
    async server(scope: TenantScope, serverId: string): Promise<McpServerRow | undefined> {
      const cached = rows.get(serverId);
      if (cached) return cached.organizationId === scope.organizationId ? cached : undefined;
      const readAt = generation;
      const row = await findServer(db, scope, serverId);
      if (row && readAt === generation) rows.set(serverId, row);
      return row;
    },

    /** The client of the server's current configuration, connecting when there is none. */
    connection(row: McpServerRow, signal: AbortSignal, timeoutMs: number): Promise<PooledConnection> {
      let entry = entries.get(row.id);
      if (entry && entry.version !== row.updatedAt.getTime()) {
        drop(row.id, entry);
        entry = undefined;
      }
      if (!entry) {
        entry = open(row, timeoutMs);
        entries.set(row.id, entry);
      }
      entry.lastUsed = Date.now();
      return untilAborted(entry.connecting, signal);
    },

    /** Drops a client whose connection failed: the next call connects again. */
    discard(serverId: string, client: Client) {
      const entry = entries.get(serverId);
      if (!entry) return;
      entry.connecting.then(
        (connection) => connection.client === client && drop(serverId, entry),
        () => undefined,
      );
    },

    /** The server changed (or was deleted): its row is read again; a deleted server's client closes. */
    forget(serverId: string, options: { deleted?: boolean } = {}) {
      generation++;
      rows.delete(serverId);
      const entry = entries.get(serverId);
      if (options.deleted && entry) drop(serverId, entry);
    },

    /** Events may have been missed: every row is read again. */
    forgetAll() {
      generation++;
      rows.clear();
    },

    async close() {
      clearInterval(sweep);
      const open = [...entries.values()];
      entries.clear();
      rows.clear();
      await Promise.all(
        open.map((entry) => entry.connecting.then(({ client }) => client.close()).catch(() => undefined)),
      );
    },
  };
}

export type McpClientPool = ReturnType<typeof createMcpClientPool>;

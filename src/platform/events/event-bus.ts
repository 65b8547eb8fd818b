import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Database, DatabaseConnection, Executor } from '../db/database.ts';

/** A change an organization's clients may want to hear about (noun-verb types: `run-completed`). */
export interface AgentryEvent {
  id: string;
  type: string;
  organization_id: string;
  data: Record<string, unknown>;
  at: string;
}

export type EventListener = (event: AgentryEvent) => void;

export interface EventPublisher {
  /** Inside `tx`, the event is delivered if and only if the transaction commits. */
  publish(
    event: Pick<AgentryEvent, 'type' | 'organization_id' | 'data'>,
    options?: { tx?: Executor },
  ): Promise<void>;
}

export interface EventBus extends EventPublisher {
  /** Receives the organization's events from every process; returns the unsubscribe function. */
  subscribe(organizationId: string, listener: EventListener): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'agentry_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; events carry ids and states, not documents. */
const MAX_PAYLOAD_BYTES = 7_900;
const RECONNECT_DELAY_MS = 1_000;

/**
 * Events travel through the database (NOTIFY/LISTEN), so an event published by a worker process
 * reaches the API process holding the client's connection. Each process fans out locally by
 * organization: a listener only ever receives its own organization's events.
 */
export async function startEventBus(
  connection: DatabaseConnection,
  db: Database,
  options: { onError: (error: Error) => void },
): Promise<EventBus> {
  const listeners = new Map<string, Set<EventListener>>();

  const dispatch = (payload: string) => {
    let event: AgentryEvent;
    try {
      event = JSON.parse(payload) as AgentryEvent;
    } catch (error) {
      options.onError(error as Error);
      return;
    }
    for (const listener of listeners.get(event.organization_id) ?? []) listener(event);
  };

  const stopListening =
    connection.kind === 'pglite'
      ? await connection.client.listen(CHANNEL, dispatch)
      : await listenOnPostgres(connection.url, dispatch, options.onError);

  return {
    async publish(event, { tx } = {}) {
      const full: AgentryEvent = { id: randomUUID(), at: new Date().toISOString(), ...event };
      let payload = JSON.stringify(full);
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
        payload = JSON.stringify({ ...full, data: { truncated: true } });
      }
      await (tx ?? db).execute(sql`select pg_notify(${CHANNEL}, ${payload})`);
    },
    subscribe(organizationId, listener) {
      const set = listeners.get(organizationId) ?? new Set();
      set.add(listener);
      listeners.set(organizationId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(organizationId);
      };
    },
    close: async () => {
      listeners.clear();
      await stopListening();
    },
  };
}

/** A dedicated connection holds the LISTEN; it reconnects after a failure until closed. */
async function listenOnPostgres(
  url: string,
  onPayload: (payload: string) => void,
  onError: (error: Error) => void,
) {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onPayload(message.payload);
    });
    next.on('error', (error) => {
      onError(error);
      next.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => connect().catch(onError), RECONNECT_DELAY_MS);
    });
    await next.connect();
    await next.query(`listen ${CHANNEL}`);
    client = next;
  };

  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

import { randomUUID } from 'node:crypto';
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
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

export type NewEvent = Pick<AgentryEvent, 'type' | 'organization_id' | 'data'>;

export interface EventPublisher {
  /** Inside `tx`, the event is delivered if and only if the transaction commits. */
  publish(event: NewEvent, options?: { tx?: Executor }): Promise<void>;
  /** The event as the payload that `notification` publishes. */
  encode(event: NewEvent): string;
  /**
   * The publication of an encoded event (`encode`, or SQL yielding one) as an SQL expression, for
   * a write to carry in its own statement, e.g. in the RETURNING list of a data-modifying CTE. The
   * event then costs no statement of its own and is delivered if and only if that statement's
   * transaction commits.
   */
  notification(payload: SQLWrapper | string): SQL;
}

/** A process's own observer of every organization's events (its caches), told when it may have missed some. */
export interface EventWatcher {
  event(event: AgentryEvent): void;
  /** The listening connection was lost and is back: events published meanwhile never arrived. */
  gap(): void;
}

export interface EventBus extends EventPublisher {
  /** Receives the organization's events from every process; returns the unsubscribe function. */
  subscribe(organizationId: string, listener: EventListener): () => void;
  /** Every event of every organization, for the process itself (never for a client). */
  watch(watcher: EventWatcher): () => void;
  /**
   * Whether events are being received: false while the connection that listens is lost and not yet
   * back (events published meanwhile never arrive). Always true on PGlite, which has no connection.
   */
  readonly listening: boolean;
  close(): Promise<void>;
}

const CHANNEL = 'agentry_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; events carry ids and states, not documents. */
const MAX_PAYLOAD_BYTES = 7_900;
/**
 * The lost LISTEN connection is tried again after a delay doubling from the first to the longest,
 * until it is back. The longest is short: a connection attempt a second costs the database nothing,
 * and every second longer is a second of events that live streams miss after an outage.
 */
const RECONNECT_FIRST_DELAY_MS = 100;
const RECONNECT_MAX_DELAY_MS = 1_000;

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
  const watchers = new Set<EventWatcher>();

  const dispatch = (payload: string) => {
    let event: AgentryEvent;
    try {
      event = JSON.parse(payload) as AgentryEvent;
    } catch (error) {
      options.onError(error as Error);
      return;
    }
    for (const watcher of watchers) watcher.event(event);
    for (const listener of listeners.get(event.organization_id) ?? []) listener(event);
  };
  const reportGap = () => {
    for (const watcher of watchers) watcher.gap();
  };

  const listener: ListeningConnection =
    connection.kind === 'pglite'
      ? { listening: true, close: await connection.client.listen(CHANNEL, dispatch) }
      : await listenOnPostgres(connection, dispatch, reportGap, options.onError);

  const encode = (event: NewEvent): string => {
    const full: AgentryEvent = { id: randomUUID(), at: new Date().toISOString(), ...event };
    const payload = JSON.stringify(full);
    return Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES
      ? JSON.stringify({ ...full, data: { truncated: true } })
      : payload;
  };
  const notification = (payload: SQLWrapper | string): SQL => sql`pg_notify(${CHANNEL}, ${payload})`;

  return {
    async publish(event, { tx } = {}) {
      await (tx ?? db).execute(sql`select ${notification(encode(event))}`);
    },
    encode,
    notification,
    subscribe(organizationId, listener) {
      const set = listeners.get(organizationId) ?? new Set();
      set.add(listener);
      listeners.set(organizationId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(organizationId);
      };
    },
    watch(watcher) {
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
    get listening() {
      return listener.listening;
    },
    close: async () => {
      listeners.clear();
      watchers.clear();
      await listener.close();
    },
  };
}

interface ListeningConnection {
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * A dedicated connection holds the LISTEN. When it is lost (a restart, a terminated backend, a
 * network fault) it is replaced with backoff for as long as it takes; the subscriptions live in
 * this process, so every stream receives again once it listens, and the gap is reported then.
 */
async function listenOnPostgres(
  connection: Extract<DatabaseConnection, { kind: 'postgres' }>,
  onPayload: (payload: string) => void,
  onGap: () => void,
  onError: (error: Error) => void,
): Promise<ListeningConnection> {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failedAttempts = 0;

  const scheduleReconnect = () => {
    if (closed || retry) return;
    const delay = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_FIRST_DELAY_MS * 2 ** failedAttempts);
    failedAttempts++;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          failedAttempts = 0;
          onGap();
        },
        (error: Error) => {
          onError(error);
          scheduleReconnect();
        },
      );
    }, delay);
  };

  // A lost connection is often told twice (the server's message, then the end of the socket).
  const lose = (lost: pg.Client, error: Error) => {
    if (lost !== client) return;
    client = undefined;
    onError(error);
    lost.end().catch(() => undefined);
    scheduleReconnect();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: connection.url,
      connectionTimeoutMillis: connection.connectTimeoutMs,
      // A connection that silently vanished (a dropped network path) is noticed too, eventually.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Until it listens, a failure rejects this attempt instead; the listeners exist from the start
    // because an `error` event without one would end the process.
    next.on('error', (error) => lose(next, error));
    next.on('end', () => lose(next, new Error('The connection listening for events ended')));
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onPayload(message.payload);
    });
    try {
      await next.connect();
      await next.query(`listen ${CHANNEL}`);
    } catch (error) {
      next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };

  await connect();
  return {
    get listening() {
      return client !== undefined;
    },
    close: async () => {
      closed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}

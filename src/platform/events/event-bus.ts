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

  const stopListening =
    connection.kind === 'pglite'
      ? await connection.client.listen(CHANNEL, dispatch)
      : await listenOnPostgres(connection.url, dispatch, reportGap, options.onError);

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
    close: async () => {
      listeners.clear();
      watchers.clear();
      await stopListening();
    },
  };
}

/**
 * A dedicated connection holds the LISTEN; it reconnects after a failure until closed, and reports
 * the gap once it listens again.
 */
async function listenOnPostgres(
  url: string,
  onPayload: (payload: string) => void,
  onGap: () => void,
  onError: (error: Error) => void,
) {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  // Until it listens again: a database that is still down fails the attempt, and the next one follows.
  const reconnect = () => {
    retry = setTimeout(
      () =>
        connect().then(onGap, (error: Error) => {
          onError(error);
          if (!closed) reconnect();
        }),
      RECONNECT_DELAY_MS,
    );
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onPayload(message.payload);
    });
    next.on('error', (error) => {
      onError(error);
      next.end().catch(() => undefined);
      if (!closed) reconnect();
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

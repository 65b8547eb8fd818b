import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { type Database, type DatabaseHandle, DEFAULT_CONNECT_TIMEOUT_SECONDS } from './database.ts';
import { trackTransactions } from './pglite-statements.ts';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));
/** Any constant shared by every Agentry process: concurrent starts migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_406_275_011;
/**
 * The extensions every PGlite is opened with: pgvector, so that the embedded default can store and
 * search embeddings (knowledge retrieval); it costs nothing until `create extension vector`.
 */
export const pgliteExtensions = { vector };

export type DatabaseTarget =
  | {
      kind: 'postgres';
      url: string;
      poolMax: number;
      connectTimeoutSeconds?: number;
      /** A pooled connection failed (lost, terminated); it is replaced, and the query it ran fails. */
      onPoolError?: (error: Error) => void;
    }
  | { kind: 'pglite'; directory: string | undefined };

export interface OpenedDatabase extends DatabaseHandle {
  /** Applies the committed migrations under drizzle/; safe to call from many processes at once. */
  migrate(): Promise<void>;
}

export async function openDatabase(target: DatabaseTarget): Promise<OpenedDatabase> {
  return target.kind === 'postgres' ? openPostgres(target) : openPglite(target.directory);
}

/** The database handle of an open PGlite (the embedded default, or a test's copy). */
export function pgliteDatabase(client: PGlite): DatabaseHandle {
  trackTransactions(client);
  return {
    db: drizzlePglite({ client }) as unknown as Database,
    kind: 'pglite',
    connection: { kind: 'pglite', client },
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function openPglite(directory: string | undefined): Promise<OpenedDatabase> {
  if (directory) mkdirSync(directory, { recursive: true });
  const client = await PGlite.create(directory, { extensions: pgliteExtensions });
  return {
    ...pgliteDatabase(client),
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
  };
}

/**
 * Every client of the pool keeps an error listener for its whole life. pg-pool listens only while a
 * client is idle; a connection lost while a client is checked out (between the statements of a
 * transaction) would otherwise emit an `error` nobody hears, which ends the process. The statement
 * running or sent next fails instead.
 *
 * A checked-out client that fails is also handed back to the pool at once, which discards it:
 * Drizzle releases its client only once `begin` succeeded, so a transaction whose `begin` met a
 * dead connection would otherwise hold its pool slot forever, and a few such leaks leave no
 * connection for anyone. Its holder's own release later does nothing.
 */
function handleClientErrors(pool: pg.Pool, onError: ((error: Error) => void) | undefined) {
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    let reported = false;
    client.on('error', (error) => {
      // A lost connection is often told twice (the server's message, then the socket's end).
      if (!reported) onError?.(error);
      reported = true;
      if (checkedOut.has(client)) {
        const release = client.release;
        client.release = () => undefined;
        release(error);
      }
    });
  });
  // pg-pool re-emits an idle client's error here, and an emitter without listeners throws it;
  // the client's own listener above has reported it already.
  pool.on('error', () => undefined);
}

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<OpenedDatabase> {
  const connectTimeoutMs = (target.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000;
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolMax,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  handleClientErrors(pool, target.onPoolError);
  const db = drizzlePostgres({ client: pool }) as unknown as Database;
  try {
    await db.execute(sql`select 1`);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    db,
    kind: 'postgres',
    connection: {
      kind: 'postgres',
      url: target.url,
      poolMax: Math.max(2, Math.ceil(target.poolMax / 2)),
      connectTimeoutMs,
    },
    ping: async () => {
      await pool.query('select 1');
    },
    poolStats: () => ({
      max: target.poolMax,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    close: () => pool.end(),
    migrate: async () => {
      // Advisory locks belong to a session, so migrations run on one dedicated connection.
      const client = new pg.Client({
        connectionString: target.url,
        connectionTimeoutMillis: connectTimeoutMs,
      });
      // A lost connection fails the running statement, and with it the migration; it must not end the process.
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migratePostgres(drizzlePostgres({ client }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        await client.end();
      }
    },
  };
}

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Database, DatabaseHandle } from './database.ts';
import { trackTransactions } from './pglite-statements.ts';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));
/** Any constant shared by every Agentry process: concurrent starts migrate one at a time. */
const MIGRATION_LOCK_KEY = 7_406_275_011;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolMax: number; onPoolError?: (error: Error) => void }
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
  const client = await PGlite.create(directory);
  return {
    ...pgliteDatabase(client),
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
  };
}

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: target.url, max: target.poolMax });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => target.onPoolError?.(error));
  const db = drizzlePostgres({ client: pool }) as unknown as Database;
  await db.execute(sql`select 1`);
  return {
    db,
    kind: 'postgres',
    connection: { kind: 'postgres', url: target.url, poolMax: Math.max(2, Math.ceil(target.poolMax / 2)) },
    ping: async () => {
      await pool.query('select 1');
    },
    close: () => pool.end(),
    migrate: async () => {
      // Advisory locks belong to a session, so migrations run on one dedicated connection.
      const client = new pg.Client({ connectionString: target.url });
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

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../src/platform/db/open-database.ts';

export interface BenchDatabase {
  name: 'PGlite' | 'PostgreSQL';
  description: string;
  /** Settings for the server process. */
  env: Record<string, string>;
  /** The same database for `openDatabase`, for a benchmark that opens it in its own process. */
  target: DatabaseTarget;
  dispose(): Promise<void>;
}

/** A file-backed PGlite under a temporary DATA_DIR, as `agentry serve` runs without DATABASE_URL. */
export async function pgliteDatabase(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-bench-'));
  return {
    name: 'PGlite',
    description: `embedded PGlite, file-backed in ${join(dataDir, 'db')}`,
    env: { DATA_DIR: dataDir, DATABASE_URL: '' },
    // Where `agentry serve` keeps its PGlite under DATA_DIR.
    target: { kind: 'pglite', directory: join(dataDir, 'db') },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** The server's default DATABASE_POOL_MAX. */
const POOL_MAX = 10;

/** A fresh database on the server of `adminUrl`, created for this run and dropped afterwards. */
export async function postgresDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `agentry_bench_${Date.now()}`;
  const version = await withAdmin(adminUrl, async (admin) => {
    await admin.query(`create database ${name}`);
    return (
      (await admin.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?'
    );
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-bench-'));
  return {
    name: 'PostgreSQL',
    description: `PostgreSQL ${version} at ${url.host}, database ${name} (created for this run)`,
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    target: { kind: 'postgres', url: url.toString(), poolMax: POOL_MAX },
    dispose: async () => {
      await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A group's standalone run (`node bench/<group>.ts`): `work` on a fresh PGlite database, then on a
 * fresh PostgreSQL one when BENCH_DATABASE_URL names a server; each disposed of afterwards.
 */
export async function onEachBenchDatabase(work: (database: BenchDatabase) => Promise<void>) {
  const adminUrl = process.env.BENCH_DATABASE_URL;
  for (const open of [pgliteDatabase, ...(adminUrl ? [() => postgresDatabase(adminUrl)] : [])]) {
    const database = await open();
    try {
      await work(database);
    } finally {
      await database.dispose();
    }
  }
}

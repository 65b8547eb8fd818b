import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  name: 'PGlite' | 'PostgreSQL';
  description: string;
  /** Settings for the server process. */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** A file-backed PGlite under a temporary DATA_DIR, as `agentry serve` runs without DATABASE_URL. */
export async function pgliteDatabase(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-bench-'));
  return {
    name: 'PGlite',
    description: `embedded PGlite, file-backed in ${join(dataDir, 'db')}`,
    env: { DATA_DIR: dataDir, DATABASE_URL: '' },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

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

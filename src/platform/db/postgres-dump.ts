import { spawn } from 'node:child_process';
import pg from 'pg';
import type { SnapshotQuery } from './pglite-dump.ts';

/** pg_dump or pg_restore is not on PATH (they come with the PostgreSQL client package). */
export class PostgresToolMissingError extends Error {
  constructor(tool: string) {
    super(
      `${tool} was not found on PATH: backups and restores on PostgreSQL run the PostgreSQL client tools ` +
        `(install e.g. the postgresql-client package, of the server's major version or newer).`,
    );
    this.name = 'PostgresToolMissingError';
  }
}

/**
 * The URL without its password, and the password as PGPASSWORD: a password on a command line
 * would be visible to every user of the machine in `ps`.
 */
function connectionArguments(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    dbname: parsed.toString(),
    env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
  };
}

/** Runs a PostgreSQL client tool to its end; rejects with its standard error when it fails. */
function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new PostgresToolMissingError(tool) : error),
    );
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool} failed (exit ${code}): ${errors.trim().slice(0, 2000)}`));
    });
  });
}

/**
 * Dumps the database at `url` with `pg_dump -Fc` into `target`. The dump runs in a snapshot
 * exported by a repeatable-read transaction, in which `read` runs too: it sees exactly the data the
 * dump holds, while the database goes on taking writes.
 */
export async function dumpPostgres<T>(
  url: string,
  target: string,
  read: (query: SnapshotQuery) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const [exported] = (await client.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot'))
      .rows;
    const seen = await read(async (text) => (await client.query(text)).rows);
    const { dbname, env } = connectionArguments(url);
    await runTool(
      'pg_dump',
      ['--format=custom', `--snapshot=${exported?.snapshot}`, `--file=${target}`, `--dbname=${dbname}`],
      env,
    );
    await client.query('commit');
    return seen;
  } finally {
    await client.end();
  }
}

/**
 * Restores a `pg_dump -Fc` file into the database at `url`, all or nothing, without the original
 * owners and grants (the target's role owns what it restores).
 */
export async function restorePostgres(url: string, dumpPath: string): Promise<void> {
  const { dbname, env } = connectionArguments(url);
  await runTool(
    'pg_restore',
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      `--dbname=${dbname}`,
      dumpPath,
    ],
    env,
  );
}

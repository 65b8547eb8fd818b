import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian's PostgreSQL 15 server binaries are (the postgresql-15 package). */
const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const OWNER = 'postgres';

export interface PrivatePostgres {
  /** The URL of a database of its own, on loopback, with trust authentication. */
  url: string;
  /** `pg_ctl stop -m immediate`: every server process is killed at once, as in a crash; recovery runs at the next start. */
  stopImmediately(): Promise<void>;
  /** Starts the server again and waits until it accepts connections (after crash recovery). */
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  dispose(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * initdb and postgres refuse to run as root: as root, the cluster belongs to the `postgres` user
 * and its commands run as that user (runuser); otherwise as the current user.
 */
const asOwner = (command: string, args: string[]) =>
  process.getuid?.() === 0
    ? run('runuser', ['-u', OWNER, '--', join(POSTGRES_BIN, command), ...args])
    : run(join(POSTGRES_BIN, command), args);

/** A PostgreSQL cluster of its own in a temporary directory, on a free loopback port, to crash at will. */
export async function startPrivatePostgres(database: string): Promise<PrivatePostgres> {
  const directory = await mkdtemp(join(tmpdir(), 'agentry-faults-postgres-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', OWNER]);
    const { stdout: group } = await run('id', ['-g', OWNER]);
    await chown(directory, Number(stdout.trim()), Number(group.trim()));
  }
  const dataDirectory = join(directory, 'data');
  const port = await freePort();
  await asOwner('initdb', ['-D', dataDirectory, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // The machine does not crash, only the server: what it wrote survives in the OS's cache, so
  // flushing to disk only slows the restarts down. Commits still wait for their WAL write.
  const serverOptions = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${directory}'`,
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const start = async () => {
    await asOwner('pg_ctl', [
      'start',
      '-D',
      dataDirectory,
      '-w',
      '-t',
      '60',
      '-l',
      join(directory, 'log'),
      '-o',
      serverOptions,
    ]);
  };
  const stop = (mode: 'immediate' | 'fast') =>
    asOwner('pg_ctl', ['stop', '-D', dataDirectory, '-m', mode, '-w']).then(() => undefined);

  await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`).finally(() => admin.end());

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    stopImmediately: () => stop('immediate'),
    start,
    dispose: async () => {
      await stop('fast').catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

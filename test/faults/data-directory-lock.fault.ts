import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, runAgentryCommand, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * The embedded database admits one process: its data directory is locked by the process that
 * opened it, and every other process is refused with a message naming the holder.
 */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;
let lockFile: string;

const portOf = (url: string) => new URL(url).port;
const lockHolder = () => JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; port: number | null };

describe.runIf(testDatabaseKind === 'pglite')('the embedded data directory lock', () => {
  beforeAll(async () => {
    environment = await serverEnvironment();
    env = environment.env;
    lockFile = join(env.DATA_DIR as string, 'agentry.lock');
  });
  afterEach(killServerProcesses);
  afterAll(async () => {
    await environment.dispose();
  });

  it('refuses a second serve, a migrate, a worker and serve --no-worker beside a live server, then lets a new server start once it stopped or was killed', {
    timeout: 60_000,
  }, async () => {
    const first = await startServerProcess(env);
    expect(lockHolder()).toEqual(
      expect.objectContaining({ pid: first.child.pid, port: Number(portOf(first.url)) }),
    );

    const [secondServe, migrate] = await Promise.all([
      runAgentryCommand(['serve'], env),
      runAgentryCommand(['migrate'], env),
    ]);
    for (const refused of [secondServe, migrate]) {
      expect(refused.code, refused.output).toBe(1);
      expect(refused.output).toContain(`is in use by another Agentry process (pid ${first.child.pid}`);
      expect(refused.output).toContain(`port ${portOf(first.url)}`);
      // A message for the operator, not a crash: no stack trace, no WebAssembly abort.
      expect(refused.output).not.toMatch(/^\s+at /m);
      expect(refused.output).not.toMatch(/abort/i);
    }
    expect(migrate.output).toContain('agentry migrate refuses to run beside a live server');

    // The split topology needs another process to open the database: refused, whoever holds it.
    const [apiOnly, worker] = await Promise.all([
      runAgentryCommand(['serve', '--no-worker'], env),
      runAgentryCommand(['worker'], env),
    ]);
    expect(apiOnly.code).toBe(1);
    expect(apiOnly.output).toContain('`agentry serve --no-worker` needs PostgreSQL (DATABASE_URL)');
    expect(apiOnly.output).toContain('no `agentry worker` could run the background jobs');
    expect(worker.code).toBe(1);
    expect(worker.output).toContain('`agentry worker` needs PostgreSQL (DATABASE_URL)');

    // The refused processes left the first one alone.
    expect((await createHttpClient(first.url).get('/health/ready')).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(existsSync(lockFile)).toBe(false);

    // A new server starts once the first stopped; killed with SIGKILL, it leaves its lock behind,
    // naming a process that no longer runs, and the next start takes it over.
    const killed = await startServerProcess(env);
    expect(lockHolder().pid).toBe(killed.child.pid);
    killed.child.kill('SIGKILL');
    await new Promise((resolve) => killed.child.once('exit', resolve));
    expect(lockHolder().pid).toBe(killed.child.pid);

    const next = await startServerProcess(env);
    expect(lockHolder()).toEqual(
      expect.objectContaining({ pid: next.child.pid, port: Number(portOf(next.url)) }),
    );
    expect((await createHttpClient(next.url).get('/health/ready')).status).toBe(200);
    expect(await next.stop('SIGINT')).toBe(0);
  });
});

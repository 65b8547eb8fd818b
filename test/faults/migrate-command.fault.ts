import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, runAgentryCommand } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * `agentry migrate`, the compose `migrate` service and the Kubernetes migration Job, writes JSON
 * log lines only, as `serve` and `worker` do: a log collector reads every line of a deployment the
 * same way. A process of its own on a fresh data directory (or a fresh PostgreSQL database); the
 * embedded database takes seconds to create, hence a fault-suite file.
 */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;

beforeAll(async () => {
  environment = await serverEnvironment();
});
afterEach(killServerProcesses);
afterAll(async () => {
  await environment.dispose();
});

describe(`agentry migrate (${testDatabaseKind})`, () => {
  it('says that the migrations are applied in a JSON line, and writes no other kind of line', {
    timeout: 120_000,
  }, async () => {
    for (const run of ['first', 'again']) {
      const migrated = await runAgentryCommand(['migrate'], environment.env);
      expect(migrated.code, `${run}: ${migrated.output}`).toBe(0);
      const lines = migrated.output.split('\n').filter(Boolean);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          level: 30,
          service: 'agentry',
          database: testDatabaseKind,
          msg: `Migrations applied (${testDatabaseKind}).`,
        }),
      );
    }
  });
});

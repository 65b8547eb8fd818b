import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { openEventStream } from '../support/event-stream.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { secondsUntilEventsFlow, startMixedLoad } from '../support/mixed-load.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * Every connection of a real server process to its database is terminated (pg_terminate_backend)
 * again and again while clients keep it busy: the process never exits, no request answers 500
 * (503 is the answer while a connection is lost), and live events flow again after every round.
 */
const POSTGRES_ONLY = 'PostgreSQL only: PGlite runs inside the process, it has no connection to lose';
const ROUNDS = 40;
const CLIENTS = 4;

const TERMINATE_OTHERS =
  'select count(pg_terminate_backend(pid))::int as terminated from pg_stat_activity ' +
  'where datname = current_database() and pid <> pg_backend_pid()';

describe.runIf(testDatabaseKind === 'postgres')(`connections dropped under load (${POSTGRES_ONLY})`, () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  let server: ServerProcess;
  let http: HttpClient;
  let owner: TestAccount;
  let admin: pg.Client;

  beforeAll(async () => {
    // The load is far above the per-organization rate limits, which are not what this test is about.
    environment = await serverEnvironment({
      RATE_LIMIT_ENABLED: 'false',
      // A small pool: a connection that a drop leaks for good would soon leave none.
      DATABASE_POOL_MAX: '3',
    });
    server = await startServerProcess(environment.env);
    http = createHttpClient(server.url);
    owner = await registerAccount(http);
    admin = new pg.Client({ connectionString: environment.env.DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    killServerProcesses();
    await admin?.end();
    await environment?.dispose();
  });

  it(`survives ${ROUNDS} rounds of terminated connections without a 500, and events flow after each`, {
    timeout: 90_000,
  }, async () => {
    const alive = () => server.child.exitCode === null && server.child.signalCode === null;
    const load = await startMixedLoad(http, owner.token, { clients: CLIENTS, alive });
    const stream = await openEventStream(`${server.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const secondsUntilEvents: number[] = [];
    let terminated = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const { rows } = await admin.query<{ terminated: number }>(TERMINATE_OTHERS);
      terminated += rows[0]?.terminated ?? 0;
      const seconds = await secondsUntilEventsFlow(load, http, owner.token, stream.events, {
        timeoutMs: 15_000,
        alive,
      });
      expect(alive(), `the server is alive after round ${round}:\n${server.output().slice(-3_000)}`).toBe(
        true,
      );
      expect(seconds, `events flow again after round ${round}`).toBeDefined();
      secondsUntilEvents.push(seconds as number);
    }
    await load.stop();
    stream.close();

    await expect.poll(async () => (await http.get('/health/ready')).status, { timeout: 10_000 }).toBe(200);
    expect(alive()).toBe(true);
    expect(load.unexpected).toEqual([]);
    console.log(
      `connection drops: ${ROUNDS} rounds (${terminated} backends terminated), survived ${ROUNDS}/${ROUNDS}; ` +
        `${load.answered()} requests: ${load.statuses.get(503) ?? 0} answered 503, ` +
        `${load.statuses.get(500) ?? 0} answered 500; events flowed again after ` +
        `${(secondsUntilEvents.reduce((sum, value) => sum + value, 0) / ROUNDS).toFixed(2)} s on average ` +
        `(at most ${Math.max(...secondsUntilEvents).toFixed(2)} s)`,
    );
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { openEventStream } from '../support/event-stream.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { secondsUntilEventsFlow, startMixedLoad } from '../support/mixed-load.ts';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.ts';

/**
 * A real PostgreSQL stopped abruptly (`pg_ctl stop -m immediate`, as in a crash or a failover)
 * and started again, many times, under a steady load on a real Agentry process: the process
 * survives every stop, requests answer 503 (never 500) while the database is away, and live
 * events flow again after every restart.
 */
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 40);
const CLIENTS = 4;
/** How long the database stays down in each round, with the load running against it. */
const DOWN_MS = 500;

describe('PostgreSQL stopped abruptly and restarted under load', () => {
  let postgres: PrivatePostgres;
  let dataDir: string;
  let server: ServerProcess;
  let http: HttpClient;
  let owner: TestAccount;

  beforeAll(async () => {
    postgres = await startPrivatePostgres('agentry_faults');
    dataDir = await mkdtemp(join(tmpdir(), 'agentry-faults-'));
    server = await startServerProcess({
      DATA_DIR: dataDir,
      DATABASE_URL: postgres.url,
      JWT_SECRET: 'fault-test-secret-long-enough-for-hs256',
      AGENTRY_SECRET_KEY: 'cd'.repeat(32),
      // The load is far above the per-organization rate limits, which are not what this test is about.
      RATE_LIMIT_ENABLED: 'false',
    });
    http = createHttpClient(server.url);
    owner = await registerAccount(http);
  });
  afterAll(async () => {
    killServerProcesses();
    await postgres?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`survives ${ROUNDS} immediate stops, and events flow again after each restart`, async () => {
    const alive = () => server.child.exitCode === null && server.child.signalCode === null;
    const load = await startMixedLoad(http, owner.token, { clients: CLIENTS, alive });
    const stream = await openEventStream(`${server.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const secondsUntilEvents: number[] = [];
    let survived = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await postgres.stopImmediately();
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      await postgres.start();
      const seconds = await secondsUntilEventsFlow(load, http, owner.token, stream.events, {
        timeoutMs: 30_000,
        alive,
      });
      expect(alive(), `the server is alive after stop ${round}:\n${server.output().slice(-3_000)}`).toBe(
        true,
      );
      survived++;
      if (seconds === undefined) {
        const readiness = await http.get('/health/ready');
        expect.fail(
          `events did not flow again after restart ${round}; readiness ${readiness.status} ` +
            `${JSON.stringify(readiness.body)}; answers ${JSON.stringify([...load.statuses])}; ` +
            `server output:\n${server.output().slice(-5_000)}`,
        );
      }
      secondsUntilEvents.push(seconds as number);
    }
    await load.stop();
    stream.close();

    await expect.poll(async () => (await http.get('/health/ready')).status, { timeout: 15_000 }).toBe(200);
    expect(load.unexpected).toEqual([]);
    const sorted = [...secondsUntilEvents].sort((a, b) => a - b);
    console.log(
      `PostgreSQL immediate stops: survived ${survived}/${ROUNDS}; ${load.answered()} requests: ` +
        `${load.statuses.get(503) ?? 0} answered 503, ${load.statuses.get(500) ?? 0} answered 500; ` +
        `events flowed again after each restart: median ${sorted[Math.floor(ROUNDS / 2)]?.toFixed(2)} s, ` +
        `at most ${sorted.at(-1)?.toFixed(2)} s`,
    );
  });
});

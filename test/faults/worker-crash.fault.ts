import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT_SECONDS } from '../../src/platform/queue/job-queue.ts';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess, startWorkerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * A worker killed with SIGKILL in the middle of a job: the job's heartbeat stops, and another
 * worker runs it again within the heartbeat (plus pg-boss's supervision interval and the retry
 * delay), long before the job would expire. Two processes on one database: PostgreSQL only.
 */
const KEY = 'sk-worker-crash-0123456789';
/** The validation's own timeout, and with it the job's expiry (this plus 60 s), far beyond the heartbeat. */
const VALIDATION_TIMEOUT_SECONDS = 120;

let stub: OpenAiStub;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;

describe.runIf(testDatabaseKind === 'postgres')('a worker killed mid-job', () => {
  beforeAll(async () => {
    stub = await startOpenAiStub({ apiKey: KEY, models: ['survivor-model'] });
    environment = await serverEnvironment({
      PROVIDER_VALIDATION_TIMEOUT_SECONDS: String(VALIDATION_TIMEOUT_SECONDS),
    });
  });
  afterEach(killServerProcesses);
  afterAll(async () => {
    await stub.close();
    await environment.dispose();
  });

  it('leaves its job to another worker within the heartbeat', { timeout: 90_000 }, async () => {
    const { env } = environment;
    const [api, doomed] = await Promise.all([
      startServerProcess(env, ['--no-worker']),
      startWorkerProcess(env),
    ]);
    const http = createHttpClient(api.url);
    const owner = await registerAccount(http);
    const as = { token: owner.token };

    // The first validation's probe of the provider never gets an answer: its worker dies waiting.
    stub.holdNextModelLists(1);
    const created = await http.post(
      '/api/v1/providers',
      { name: 'Survivor', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      as,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const providerPath = `/api/v1/providers/${created.body.id}`;
    await expect.poll(() => stub.requests.length, { timeout: 20_000 }).toBe(1);
    expect((await http.get(providerPath, as)).body.validation_status).toBe('validating');

    doomed.child.kill('SIGKILL');
    const killedAt = performance.now();
    await startWorkerProcess(env);
    await expect
      .poll(async () => (await http.get(providerPath, as)).body.validation_status, {
        timeout: 40_000,
        interval: 250,
      })
      .toBe('connected');
    const pickedUpMs = Math.round(performance.now() - killedAt);
    console.log(
      `worker killed mid-job: the job completed on another worker ${pickedUpMs} ms after the kill (heartbeat ${DEFAULT_HEARTBEAT_SECONDS} s)`,
    );
    expect(stub.requests).toHaveLength(2);
    // The heartbeat, pg-boss's 5 s supervision and the 2 s retry delay, with room for a loaded
    // machine; the job's expiry alone would have taken VALIDATION_TIMEOUT_SECONDS + 60 s.
    expect(pickedUpMs).toBeLessThan((DEFAULT_HEARTBEAT_SECONDS + 15) * 1000);
    expect((await http.get(providerPath, as)).body.models).toEqual([
      expect.objectContaining({ id: 'survivor-model' }),
    ]);
    expect(await api.stop('SIGTERM')).toBe(0);
  });
});

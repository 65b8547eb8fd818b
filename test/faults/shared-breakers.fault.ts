import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { expectError } from '../support/assertions.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * Circuit breakers shared by processes (docs/services.md): two `agentry serve` processes on one
 * PostgreSQL, both having called a provider. When its breaker opens in one, the other refuses its
 * next turn without calling the provider; after the recovery timeout one trial, in either process,
 * closes it for both.
 */
const KEY = 'sk-breakers-0123456789';
/** The bound docs/services.md gives: an opened circuit is open in every process within a second. */
const PROPAGATION_MS = 1_000;
let stub: OpenAiStub;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  environment = await serverEnvironment();
});
afterEach(killServerProcesses);
afterAll(async () => {
  await stub.close();
  await environment.dispose();
});

const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions').length;

describe.runIf(testDatabaseKind === 'postgres')('circuit breakers across processes (PostgreSQL)', () => {
  it('opens a provider’s breaker in every process and closes it in every process after one trial', {
    timeout: 60_000,
  }, async () => {
    const [first, second] = await Promise.all([
      startServerProcess(environment.env),
      startServerProcess(environment.env, ['--no-worker']),
    ]);
    const one = createHttpClient(first.url);
    const two = createHttpClient(second.url);
    const owner = await registerAccount(one);
    const as = { token: owner.token };
    const provider = await one.post(
      '/api/v1/providers',
      {
        name: 'Shared',
        type: 'openai_compatible',
        base_url: stub.url,
        api_key: KEY,
        retry_config: { max_attempts: 1 },
        circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 2 },
      },
      as,
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    const agent = await one.post(
      '/api/v1/agents',
      {
        name: 'Shared',
        provider_id: provider.body.id,
        model: 'gpt-stub',
        show_suggestions_after_each_message: false,
      },
      as,
    );
    const turn = (http: typeof one, message: string) =>
      http.post(`/api/v1/agents/${agent.body.id}/execute`, { message }, as);
    // Both processes hold the provider's breaker, closed.
    expect((await turn(one, 'hello one')).status).toBe(200);
    expect((await turn(two, 'hello two')).status).toBe(200);

    stub.failNext(2, 500);
    expect((await turn(one, 'down 1')).status).toBe(503);
    expect((await turn(one, 'down 2')).status).toBe(503);
    const opened = Date.now();
    const called = completions();
    await new Promise((resolve) => setTimeout(resolve, PROPAGATION_MS - (Date.now() - opened)));
    expectError(await turn(two, 'refused'), 503, 'provider_circuit_open');
    expect(completions()).toBe(called);

    // After the recovery timeout the second process's trial closes the circuit for both.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await turn(two, 'trial')).status).toBe(200);
    expect(completions()).toBe(called + 1);
    await expect
      .poll(async () => (await turn(one, 'after')).status, { timeout: PROPAGATION_MS, interval: 50 })
      .toBe(200);
    const health = await one.get('/api/v1/health/services', as);
    expect(health.body).toContainEqual(
      expect.objectContaining({
        service_id: provider.body.id,
        circuit_breaker_state: 'closed',
        error_count: 2,
      }),
    );

    await Promise.all([first.stop(), second.stop()]);
  });
});

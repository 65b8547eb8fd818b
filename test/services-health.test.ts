import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { operatorProviderIds } from '../src/modules/providers/index.ts';
import { openDatabase } from '../src/platform/db/open-database.ts';
import { secretKeyFor, startAgentry } from '../src/server.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { createHttpClient, type HttpClient } from './support/http-client.ts';
import { startTestApp, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

/**
 * External services (docs/services.md): each provider's own retry and breaker settings, the health
 * listing, and breakers shared by two Agentry apps on one database, each with its own connections
 * and event bus, as two processes have.
 */
const KEY = 'sk-services-key-0123456789';
const env = {
  OUTBOUND_ALLOWLIST: '127.0.0.1',
  LLM_RETRY_MAX_ATTEMPTS: '2',
  LLM_RETRY_BASE_DELAY_MS: '1',
  LLM_RETRY_MAX_DELAY_MS: '5',
  // The defaults a provider's own settings replace: far from the values the tests give providers.
  LLM_BREAKER_FAILURE_THRESHOLD: '4',
  LLM_BREAKER_RECOVERY_SECONDS: '600',
};
let stub: OpenAiStub;
let app: TestApp;
let second: { http: HttpClient; close(): Promise<void> };
let owner: TestAccount;

const as = (account: TestAccount) => ({ token: account.token });
const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions').length;

/**
 * Another Agentry on the first app's database, with its own pools, event bus and breakers: on
 * PostgreSQL its own connections; on PGlite, which one process holds, the same handle.
 */
async function startSecondApp(first: TestApp, settings: Record<string, string>) {
  const database =
    testDatabaseKind === 'postgres'
      ? await openDatabase({ kind: 'postgres', url: first.database.url as string, poolMax: 4 })
      : first.database;
  const config = loadConfig({
    DATA_DIR: first.dataDir,
    LOG_LEVEL: 'warn',
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...settings,
  });
  const running = await startAgentry({
    config,
    database,
    jwtSecret: TEST_JWT_SECRET,
    secretKey: secretKeyFor(config),
    role: 'api',
    logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  return {
    http: createHttpClient(running.url ?? ''),
    close: async () => {
      await running.stop();
      if (database !== first.database) await database.close();
    },
  };
}

async function createProvider(body: Record<string, unknown>) {
  const response = await app.http.post(
    '/api/v1/providers',
    { type: 'openai_compatible', base_url: stub.url, api_key: KEY, ...body },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function createAgent(account: TestAccount, providerId: string) {
  const response = await app.http.post(
    '/api/v1/agents',
    {
      name: 'Resilient',
      provider_id: providerId,
      model: 'gpt-stub',
      show_suggestions_after_each_message: false,
    },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

const execute = (http: HttpClient, account: TestAccount, agentId: string, message: string) =>
  http.post(`/api/v1/agents/${agentId}/execute`, { message }, as(account));

async function healthOf(http: HttpClient, account: TestAccount, serviceId: string) {
  const response = await http.get('/api/v1/health/services', as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return (response.body as Record<string, any>[]).find((service) => service.service_id === serviceId);
}

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  // An operator provider too: organizations share it, each with a breaker of its own.
  const settings = { ...env, OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: KEY };
  app = await startTestApp(settings);
  second = await startSecondApp(app, settings);
  owner = await registerAccount(app.http, 'Services owner');
});
afterAll(async () => {
  await second?.close();
  await app?.close();
  await stub?.close();
});

describe('retry and circuit breaker settings of a provider', () => {
  it('stores its own settings, shows the policy its calls use, and refuses bad values whole (422)', async () => {
    const provider = await createProvider({
      name: 'Tuned',
      retry_config: { max_attempts: 1 },
      circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 1.5 },
    });
    expect(provider).toMatchObject({
      retry_config: { max_attempts: 1 },
      circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 1.5 },
      resilience: {
        retry: { max_attempts: 1, base_delay: 0.001, max_delay: 0.005 },
        circuit_breaker: { failure_threshold: 2, recovery_timeout: 1.5 },
        timeout_seconds: 60,
      },
    });

    const count = Number((await app.http.get('/api/v1/providers', as(owner))).headers.get('x-total-count'));
    for (const body of [
      { name: 'Bad', retry_config: { max_attempts: 0 } },
      { name: 'Bad', retry_config: { max_attempts: 2, backoff: 'linear' } },
      { name: 'Bad', retry_config: { retryable_errors: ['httpx.ConnectError'] } },
      { name: 'Bad', circuit_breaker_config: { fallback_enabled: false } },
      { name: 'Bad', circuit_breaker_config: { recovery_timeout: 0 } },
      { name: 'Bad', circuit_breaker_config: { failure_threshold: 2.5 } },
      { name: 'Bad', circuit_breaker_config: 'fast' },
    ]) {
      const refused = await app.http.post(
        '/api/v1/providers',
        { type: 'openai_compatible', base_url: stub.url, ...body },
        as(owner),
      );
      expectError(refused, 422, 'validation_error');
    }
    const after = await app.http.get('/api/v1/providers', as(owner));
    expect(Number(after.headers.get('x-total-count'))).toBe(count);

    // A bad update changes nothing; null returns a setting to the defaults; omitted keeps it.
    expectError(
      await app.http.patch(
        `/api/v1/providers/${provider.id}`,
        { name: 'Renamed', retry_config: { max_delay: -1 } },
        as(owner),
      ),
      422,
      'validation_error',
    );
    expect((await app.http.get(`/api/v1/providers/${provider.id}`, as(owner))).body).toMatchObject({
      name: 'Tuned',
      retry_config: { max_attempts: 1 },
    });
    const reset = await app.http.patch(`/api/v1/providers/${provider.id}`, { retry_config: null }, as(owner));
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      retry_config: null,
      circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 1.5 },
      resilience: { retry: { max_attempts: 2 }, circuit_breaker: { failure_threshold: 2 } },
    });

    // The operator's providers keep the server's settings.
    const operator = await app.http.get(`/api/v1/providers/${operatorProviderIds.openai}`, as(owner));
    expect(operator.body).toMatchObject({
      scope: 'operator',
      retry_config: null,
      circuit_breaker_config: null,
      resilience: { circuit_breaker: { failure_threshold: 4, recovery_timeout: 600 } },
    });
    expectError(
      await app.http.patch(
        `/api/v1/providers/${operatorProviderIds.openai}`,
        { retry_config: { max_attempts: 1 } },
        as(owner),
      ),
      403,
      'operator_provider_read_only',
    );
  });
});

describe('GET /api/v1/health/services', () => {
  it('opens a provider’s breaker after its own threshold, for every process, and closes it after its recovery timeout', async () => {
    const provider = await createProvider({
      name: 'Flaky',
      retry_config: { max_attempts: 1 },
      circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 1 },
    });
    const agentId = await createAgent(owner, provider.id);
    expect(await healthOf(app.http, owner, provider.id)).toMatchObject({
      service_name: 'Flaky',
      service_type: 'llm_provider',
      endpoint: stub.url,
      enabled: true,
      circuit_breaker_state: 'closed',
      error_count: 0,
      success_count: 0,
    });

    stub.failNext(2, 500);
    expect((await execute(app.http, owner, agentId, 'first')).status).toBe(503);
    expect(await healthOf(app.http, owner, provider.id)).toMatchObject({
      status: 'degraded',
      circuit_breaker_state: 'closed',
      consecutive_failures: 1,
      error_count: 1,
    });
    expect((await execute(app.http, owner, agentId, 'second')).status).toBe(503);
    const open = await healthOf(app.http, owner, provider.id);
    expect(open).toMatchObject({
      status: 'unhealthy',
      circuit_breaker_state: 'open',
      consecutive_failures: 2,
      opened_at: expect.any(String),
      error_count: 2,
      success_count: 0,
      last_error: 'Gave up after 1 attempt: HTTP 500',
      metadata: { check: { status: expect.any(String) } },
    });
    const called = completions();

    // The other process has never called this provider: its first turn is refused all the same.
    const refused = await execute(second.http, owner, agentId, 'elsewhere');
    expectError(refused, 503, 'provider_circuit_open');
    expect(completions()).toBe(called);
    expect(await healthOf(second.http, owner, provider.id)).toMatchObject({
      circuit_breaker_state: 'open',
      opened_at: open?.opened_at,
      error_count: 2,
    });
    const unhealthy = await app.http.get('/api/v1/health/services?status=unhealthy', as(owner));
    expect(unhealthy.body.map((service: { service_id: string }) => service.service_id)).toEqual([
      provider.id,
    ]);

    // After its recovery timeout one trial goes through; its success closes the circuit everywhere.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const recovered = await execute(second.http, owner, agentId, 'recovered');
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
    expect(await healthOf(app.http, owner, provider.id)).toMatchObject({
      status: 'healthy',
      circuit_breaker_state: 'closed',
      consecutive_failures: 0,
      opened_at: null,
      error_count: 2,
      success_count: 1,
    });
    expect((await execute(app.http, owner, agentId, 'again')).status).toBe(200);
  });

  it('keeps each organization’s services and breakers to itself, the operator’s providers included', async () => {
    const operatorId = operatorProviderIds.openai;
    const agentId = await createAgent(owner, operatorId);
    stub.failNext(8, 500);
    for (let turn = 0; turn < 4; turn++) await execute(app.http, owner, agentId, `turn ${turn}`);
    await expect
      .poll(async () => (await healthOf(app.http, owner, operatorId))?.circuit_breaker_state)
      .toBe('open');
    expect(await healthOf(app.http, owner, operatorId)).toMatchObject({
      service_name: 'OpenAI (operator)',
      endpoint: null,
      error_count: 4,
    });

    const stranger = await registerAccount(app.http, 'Stranger');
    const theirs = await app.http.get('/api/v1/health/services', as(stranger));
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual([
      expect.objectContaining({
        service_id: operatorId,
        circuit_breaker_state: 'closed',
        error_count: 0,
        success_count: 0,
        last_error: null,
      }),
    ]);
    const strangerAgent = await createAgent(stranger, operatorId);
    expect((await execute(app.http, stranger, strangerAgent, 'mine works')).status).toBe(200);
  });

  it('filters by type and status, and needs services:read', async () => {
    const providers = await app.http.get('/api/v1/health/services?service_type=llm_provider', as(owner));
    expect(providers.status).toBe(200);
    expect(providers.body.length).toBeGreaterThan(0);
    expect(Number(providers.headers.get('x-total-count'))).toBe(providers.body.length);
    const tools = await app.http.get('/api/v1/health/services?service_type=http_tool', as(owner));
    expect(tools.body).toEqual([]);
    expectError(
      await app.http.get('/api/v1/health/services?status=sideways', as(owner)),
      422,
      'validation_error',
    );
    const reader = await addMember(app.http, owner, 'readonly');
    expectError(await app.http.get('/api/v1/health/services', as(reader)), 403, 'authorization_error');
    expect((await app.http.get('/api/v1/health/services')).status).toBe(401);
  });
});

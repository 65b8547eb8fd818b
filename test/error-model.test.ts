import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { waitUntilConnected } from './support/provider-validation.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Seed 004's error model (docs/errors.md): every validation error shows the `value` that was sent
 * (secrets redacted, long values shortened), and every error body names its class in seed 004's
 * ErrorCode as `error_code` where one applies.
 */
const KEY = 'sk-stub-key-0123456789';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;

const as = (account: TestAccount = owner) => ({ token: account.token });

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    LLM_RETRY_MAX_ATTEMPTS: '2',
    LLM_RETRY_BASE_DELAY_MS: '1',
    LLM_RETRY_MAX_DELAY_MS: '5',
    LLM_BREAKER_FAILURE_THRESHOLD: '1',
  });
  owner = await registerAccount(app.http, 'Owner');
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

/** A 422 whose validation errors are exactly these (field, location, value), in order. */
function expectInvalid(response: ApiResponse, errors: { field: string; location: string; value: unknown }[]) {
  expectError(response, 422, 'validation_error');
  expect(response.body.error_code).toBe('validation_error');
  expect(
    response.body.validation_errors.map(({ field, location, value }: Record<string, unknown>) => ({
      field,
      location,
      value,
    })),
  ).toEqual(errors);
}

const createProvider = (body: Record<string, unknown>) =>
  app.http.post('/api/v1/providers', { name: 'Provider', type: 'openai_compatible', ...body }, as());

/** A provider on the stub, once its background validation has connected. */
async function connectedProvider(name: string): Promise<string> {
  const created = await createProvider({ name, base_url: stub.url, api_key: KEY });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await waitUntilConnected(app.http, created.body.id, as());
  return created.body.id;
}

describe('the value of each validation error', () => {
  it('shows what was sent in the body, and null for an absent field', async () => {
    expectInvalid(await app.http.post('/api/v1/providers', { type: 'nonsense', is_active: 'yes' }, as()), [
      { field: 'name', location: 'body', value: null },
      { field: 'type', location: 'body', value: 'nonsense' },
      { field: 'is_active', location: 'body', value: 'yes' },
    ]);
  });

  it('shows what was sent in the query string, the path and the headers', async () => {
    expectInvalid(await app.http.get('/api/v1/providers?limit=many&scope=everything', as()), [
      { field: 'limit', location: 'querystring', value: 'many' },
      { field: 'scope', location: 'querystring', value: 'everything' },
    ]);
    expectInvalid(await app.http.get('/api/v1/providers/not-an-id', as()), [
      { field: 'id', location: 'params', value: 'not-an-id' },
    ]);
    const agent = await app.http.post('/api/v1/agents', { name: 'Versioned' }, as());
    const ifMatch = `"${'9'.repeat(50)}"`;
    expectInvalid(
      await app.http.patch(
        `/api/v1/agents/${agent.body.id}`,
        { tone: 'formal' },
        {
          ...as(),
          headers: { 'if-match': ifMatch },
        },
      ),
      [{ field: 'if-match', location: 'headers', value: ifMatch }],
    );
  });

  it('keeps numbers, booleans and small objects as JSON, and shows an unknown field’s value', async () => {
    expectInvalid(await createProvider({ is_default: 7, is_active: null, extra: { nested: [1, 2] } }), [
      { field: 'is_active', location: 'body', value: null },
      { field: 'is_default', location: 'body', value: 7 },
      { field: 'extra', location: 'body', value: { nested: [1, 2] } },
    ]);
  });

  it('redacts secrets: a provider’s api_key, a password, an unknown secret-looking field', async () => {
    const wrongType = await createProvider({ api_key: 12345 });
    expectInvalid(wrongType, [{ field: 'api_key', location: 'body', value: '[redacted]' }]);
    const tooLong = await createProvider({ api_key: `sk-${'x'.repeat(5_000)}` });
    expectInvalid(tooLong, [{ field: 'api_key', location: 'body', value: '[redacted]' }]);
    expect(JSON.stringify(tooLong.body)).not.toContain('xxxx');

    const shortPassword = await app.http.post('/api/v1/auth/register', {
      email: 'short-password@example.com',
      password: 'hunter2',
      full_name: 'Short',
    });
    expectInvalid(shortPassword, [{ field: 'password', location: 'body', value: '[redacted]' }]);
    expect(JSON.stringify(shortPassword.body)).not.toContain('hunter2');

    const unknownSecrets = await createProvider({ client_secret: 'cs-123', Refresh_Token: 'rt-456' });
    expectInvalid(unknownSecrets, [
      { field: 'client_secret', location: 'body', value: '[redacted]' },
      { field: 'Refresh_Token', location: 'body', value: '[redacted]' },
    ]);
    expect(JSON.stringify(unknownSecrets.body)).not.toMatch(/cs-123|rt-456/);
  });

  it('redacts secret-looking keys inside an object it shows', async () => {
    const response = await createProvider({ settings: { region: 'eu', private_key: 'pk-789' } });
    expectInvalid(response, [
      { field: 'settings', location: 'body', value: { region: 'eu', private_key: '[redacted]' } },
    ]);
  });

  it('cuts strings past 200 characters and describes objects and arrays past 1 KB', async () => {
    const response = await createProvider({
      name: `${'n'.repeat(250)}`,
      many: Array.from({ length: 500 }, (_, index) => index),
      large: Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`key${index}`, 'value'])),
    });
    expectInvalid(response, [
      { field: 'name', location: 'body', value: `${'n'.repeat(200)}…` },
      { field: 'many', location: 'body', value: '[array, 500 items]' },
      { field: 'large', location: 'body', value: '[object, 100 keys]' },
    ]);
  });

  it('shows the value at a field that a service refuses', async () => {
    const withUrl = await app.http.post(
      '/api/v1/providers',
      { name: 'Offline', type: 'offline', base_url: 'https://models.example.com/v1' },
      as(),
    );
    expectInvalid(withUrl, [{ field: 'base_url', location: 'body', value: 'https://models.example.com/v1' }]);
    expect(withUrl.body.message).toContain('must be empty for offline providers');

    const withKey = await app.http.post(
      '/api/v1/providers',
      { name: 'Offline', type: 'offline', api_key: 'sk-offline-secret' },
      as(),
    );
    expectInvalid(withKey, [{ field: 'api_key', location: 'body', value: '[redacted]' }]);
    expect(JSON.stringify(withKey.body)).not.toContain('sk-offline-secret');
  });

  it('shows the value of input refused before validation (a NUL character), and a response schema’s fault', async () => {
    expectInvalid(await app.http.get('/api/v1/providers?scope=a%00b', as()), [
      { field: 'scope', location: 'querystring', value: 'a\u0000b' },
    ]);
    const schema = { type: 'object', properties: { score: { type: 'integr' } } };
    const agent = await app.http.post('/api/v1/agents', { name: 'Structured' }, as());
    const execution = await app.http.post(
      `/api/v1/agents/${agent.body.id}/execute`,
      { message: 'score this', response_schema: schema },
      as(),
    );
    expectInvalid(execution, [
      { field: 'response_schema.properties.score.type', location: 'body', value: 'integr' },
    ]);
  });
});

describe('seed 004’s error_code', () => {
  it('names 401 authentication_error and 403 authorization_error, beside Agentry’s code', async () => {
    const anonymous = await app.http.get('/api/v1/agents');
    expectError(anonymous, 401, 'authentication_error');
    expect(anonymous.body.error_code).toBe('authentication_error');
    const badToken = await app.http.get('/api/v1/agents', { token: 'not-a-token' });
    expectError(badToken, 401, 'invalid_token');
    expect(badToken.body.error_code).toBe('authentication_error');
    const badLogin = await app.http.post('/api/v1/auth/login', {
      email: owner.email,
      password: 'Wrong-password-1',
    });
    expectError(badLogin, 401, 'invalid_credentials');
    expect(badLogin.body.error_code).toBe('authentication_error');

    const reader = await addMember(app.http, owner, 'readonly');
    const forbidden = await app.http.post('/api/v1/agents', { name: 'Nope' }, as(reader));
    expectError(forbidden, 403, 'authorization_error');
    expect(forbidden.body.error_code).toBe('authorization_error');
  });

  it('leaves it out where seed 004 has none: a missing resource, a conflict', async () => {
    const missing = await app.http.get('/api/v1/providers/00000000-0000-4000-8000-000000000000', as());
    expectError(missing, 404, 'not_found');
    expect(missing.body).not.toHaveProperty('error_code');
    const first = await createProvider({ name: 'Twin', base_url: stub.url, api_key: KEY });
    expect(first.status).toBe(201);
    const twin = await createProvider({ name: 'Twin', base_url: stub.url, api_key: KEY });
    expectError(twin, 409, 'provider_name_taken');
    expect(twin.body).not.toHaveProperty('error_code');
  });

  it('names the framework’s refusal of malformed JSON validation_error', async () => {
    const response = await app.http.post('/api/v1/agents', '{"name": ', as());
    expectError(response, 400, 'bad_request');
    expect(response.body.error_code).toBe('validation_error');
  });

  describe('for model provider failures', () => {
    let agentId: string;
    beforeAll(async () => {
      const providerId = await connectedProvider('Failing');
      const agent = await app.http.post(
        '/api/v1/agents',
        { name: 'Fragile', provider_id: providerId, model: 'gpt-stub', timeout_seconds: 1 },
        as(),
      );
      agentId = agent.body.id;
    });
    const execute = () => app.http.post(`/api/v1/agents/${agentId}/execute`, { message: 'hi' }, as());

    it('502 external_service_error when the provider refuses', async () => {
      stub.enqueue({ type: 'error', status: 400, message: 'refused by the stub' });
      const refused = await execute();
      expectError(refused, 502, 'provider_error');
      expect(refused.body.error_code).toBe('external_service_error');
    });

    it('504 timeout_error when the turn runs past timeout_seconds', async () => {
      stub.enqueue({ type: 'hang' });
      const late = await execute();
      expectError(late, 504, 'timeout');
      expect(late.body.error_code).toBe('timeout_error');
    });

    it('503 external_service_error when retries are exhausted, then circuit_breaker_open', async () => {
      stub.failNext(2, 503);
      const unavailable = await execute();
      expectError(unavailable, 503, 'provider_unavailable');
      expect(unavailable.body.error_code).toBe('external_service_error');
      expect(unavailable.headers.get('retry-after')).toBe('5');

      const open = await execute();
      expectError(open, 503, 'provider_circuit_open');
      expect(open.body.error_code).toBe('circuit_breaker_open');
      expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('500 internal_error when a stored key cannot be decrypted', async () => {
      const providerId = await connectedProvider('Tampered');
      await app.database.db.execute(
        sql`update llm_providers set api_key_ciphertext = 'v1.tampered' where id = ${providerId}`,
      );
      const agent = await app.http.post(
        '/api/v1/agents',
        { name: 'Tampered', provider_id: providerId, model: 'gpt-stub' },
        as(),
      );
      const failed = await app.http.post(`/api/v1/agents/${agent.body.id}/execute`, { message: 'hi' }, as());
      expectError(failed, 500, 'secret_unreadable');
      expect(failed.body.error_code).toBe('internal_error');
      expect(failed.body.message).not.toContain('tampered');
    });
  });
});

describe('seed 004’s error_code for rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_READS_PER_MINUTE: 'free=1,pro=1,enterprise=1',
    });
  });
  afterAll(() => limited.close());

  it('names a 429 rate_limit_error, with Retry-After', async () => {
    const account = await registerAccount(limited.http);
    expect((await limited.http.get('/api/v1/agents', as(account))).status).toBe(200);
    const refused = await limited.http.get('/api/v1/agents', as(account));
    expectError(refused, 429, 'rate_limited');
    expect(refused.body.error_code).toBe('rate_limit_error');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorProviderIds } from '../src/modules/providers/index.ts';
import { type AnthropicStub, startAnthropicStub } from './stubs/anthropic-stub.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import type { ApiResponse, HttpClient } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

const OPENAI_KEY = 'sk-test-openai-key-0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-test-key-0123456789abcdef';
const WRONG_KEY = 'sk-wrong-key-fedcba9876543210';
const OPERATOR_KEY = 'sk-operator-secret-key-5555aaaa';
const KEYS = [OPENAI_KEY, ANTHROPIC_KEY, WRONG_KEY, OPERATOR_KEY];

let openai: OpenAiStub;
let keyless: OpenAiStub;
let anthropic: AnthropicStub;
let app: TestApp;
let owner: TestAccount;
let http: HttpClient;
/** Every response body this file received, to prove that no key is ever returned. */
const bodies: string[] = [];
const apps: TestApp[] = [];

/** The app's client, recording every response body. */
function recording(client: HttpClient): HttpClient {
  const request = async (method: string, path: string, body?: unknown, options?: { token?: string }) => {
    const response = await client.request(method, path, body, options);
    bodies.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
    return response;
  };
  return {
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
    patch: (path, body, options) => request('PATCH', path, body, options),
    delete: (path, options) => request('DELETE', path, undefined, options),
    request,
  } as HttpClient;
}

async function startApp(env: Record<string, string>) {
  const started = await startTestApp(env);
  apps.push(started);
  return { app: started, http: recording(started.http) };
}

beforeAll(async () => {
  openai = await startOpenAiStub({ apiKey: OPENAI_KEY, models: ['gpt-stub', 'gpt-stub-mini'] });
  keyless = await startOpenAiStub({ models: ['llama3'] });
  anthropic = await startAnthropicStub({ apiKey: ANTHROPIC_KEY, models: ['claude-stub'] });
  ({ app, http } = await startApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' }));
  owner = await registerAccount(app.http, 'Owner');
});
afterAll(async () => {
  for (const started of apps) await started.close();
  await Promise.all([openai.close(), keyless.close(), anthropic.close()]);
});

const as = (account: TestAccount) => ({ token: account.token });

async function create(body: Record<string, unknown>, account = owner, client = http) {
  const response = await client.post('/api/v1/providers', body, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const openAiProvider = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'openai_compatible',
  base_url: openai.url,
  api_key: OPENAI_KEY,
  ...extra,
});

/** Polls the provider until its validation settles (connected or error), for a few seconds at most. */
async function settled(id: string, account = owner, client = http) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await client.get(`/api/v1/providers/${id}`, as(account));
    expect(response.status).toBe(200);
    if (['connected', 'error'].includes(response.body.validation_status)) return response.body;
    if (Date.now() > deadline) throw new Error(`validation did not settle: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('POST /api/v1/providers', () => {
  it('stores the provider pending, then a worker validates it with the stub’s models', async () => {
    openai.reset();
    const created = await create(openAiProvider('Validated'));
    expect(created).toMatchObject({
      organization_id: owner.organizationId,
      scope: 'organization',
      name: 'Validated',
      type: 'openai_compatible',
      base_url: openai.url,
      has_api_key: true,
      api_key_last4: 'cdef',
      is_active: true,
      validation_status: 'pending',
      validation_error: null,
      validated_at: null,
      models: [],
      created_by_user_id: owner.userId,
    });
    expect(created).not.toHaveProperty('api_key');

    const provider = await settled(created.id);
    expect(provider).toMatchObject({
      validation_status: 'connected',
      validation_error: null,
      models: [{ id: 'gpt-stub' }, { id: 'gpt-stub-mini' }],
    });
    expect(Date.parse(provider.validated_at)).toBeGreaterThan(Date.parse(created.created_at) - 1_000);
    const probe = openai.requests.find((request) => request.path === '/v1/models');
    expect(probe?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const models = await http.get(`/api/v1/providers/${created.id}/models`, as(owner));
    expect(models.body).toEqual([{ id: 'gpt-stub' }, { id: 'gpt-stub-mini' }]);
  });

  it('announces its creation, then each status change as a provider-validation-updated event', async () => {
    const account = await registerAccount(app.http, 'Listener');
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${account.token}`,
    });
    try {
      const created = await create(openAiProvider('Announced', { api_key: WRONG_KEY }), account);
      await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBe(3);
      expect(stream.events).toEqual([
        expect.objectContaining({
          type: 'provider-created',
          organization_id: account.organizationId,
          data: { provider_id: created.id, is_active: true, is_default: true },
        }),
        expect.objectContaining({
          type: 'provider-validation-updated',
          organization_id: account.organizationId,
          data: { provider_id: created.id, validation_status: 'validating', validation_error: null },
        }),
        expect.objectContaining({
          type: 'provider-validation-updated',
          data: {
            provider_id: created.id,
            validation_status: 'error',
            validation_error: expect.stringMatching(/rejected the API key/),
          },
        }),
      ]);
    } finally {
      stream.close();
    }
  });

  it('validates an Anthropic provider with x-api-key and anthropic-version', async () => {
    anthropic.reset();
    const created = await create({
      name: 'Claude',
      type: 'anthropic',
      base_url: anthropic.v1Url,
      api_key: ANTHROPIC_KEY,
    });
    const provider = await settled(created.id);
    expect(provider).toMatchObject({ validation_status: 'connected', models: [{ id: 'claude-stub' }] });
    const probe = anthropic.requests.find((request) => request.path === '/v1/models');
    expect(probe?.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(probe?.headers['anthropic-version']).toBe('2023-06-01');
    expect(probe?.headers.authorization).toBeUndefined();
  });

  it('reports a rejected key as an error that names the rejection, never the key', async () => {
    const created = await create(openAiProvider('Wrong key', { api_key: WRONG_KEY }));
    const provider = await settled(created.id);
    expect(provider.validation_status).toBe('error');
    expect(provider.validation_error).toMatch(/rejected the API key \(HTTP 401: Incorrect API key provided/);
    expect(provider.validation_error).not.toContain(WRONG_KEY);
    expect(provider.models).toEqual([]);
    expect(provider.validated_at).not.toBeNull();
  });

  it('reports a server error of the provider with its status and message', async () => {
    openai.failNextModelLists(1, 500);
    const created = await create(openAiProvider('Failing upstream'));
    const provider = await settled(created.id);
    expect(provider.validation_status).toBe('error');
    expect(provider.validation_error).toBe(
      'The provider answered HTTP 500: The server had an error while processing your request.',
    );
  });

  it('reports an unreachable endpoint in words', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const created = await create(openAiProvider('Nobody home', { base_url: `http://127.0.0.1:${port}/v1` }));
    const provider = await settled(created.id);
    expect(provider.validation_error).toBe(`Could not reach 127.0.0.1:${port}: the connection was refused`);
  });

  it('adds /v1 to an Ollama server URL and validates without a key', async () => {
    const origin = keyless.url.replace(/\/v1$/, '');
    const created = await create({ name: 'Ollama', type: 'ollama', base_url: `${origin}/` });
    expect(created).toMatchObject({ base_url: `${origin}/v1`, has_api_key: false, api_key_last4: null });
    const provider = await settled(created.id);
    expect(provider).toMatchObject({ validation_status: 'connected', models: [{ id: 'llama3' }] });
    expect(keyless.requests.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('makes an offline provider connected at once, without a URL or key', async () => {
    const created = await create({ name: 'Offline', type: 'offline' });
    expect(created).toMatchObject({
      validation_status: 'connected',
      base_url: null,
      has_api_key: false,
      models: [{ id: 'agentry-offline', name: 'Offline model' }],
    });
    expect(created.validated_at).not.toBeNull();
  });

  it('hides the last four characters of a short key', async () => {
    const created = await create({ name: 'Short key', type: 'openai', api_key: 'sk-short' });
    expect(created).toMatchObject({ has_api_key: true, api_key_last4: null });
  });

  it('rejects a duplicate name in any case with 409', async () => {
    await create(openAiProvider('Unique Name'));
    const response = await http.post('/api/v1/providers', openAiProvider('unique name'), as(owner));
    expectError(response, 409, 'provider_name_taken');
  });

  it('refuses base URLs the outbound guard refuses, with 400 outbound_url_blocked', async () => {
    for (const base_url of ['http://10.0.0.1/v1', 'file:///etc/passwd', 'http://169.254.169.254/latest']) {
      const response = await http.post(
        '/api/v1/providers',
        openAiProvider(`Blocked ${base_url}`, { base_url }),
        as(owner),
      );
      expectError(response, 400, 'outbound_url_blocked');
    }
  });

  it('answers 422 for bodies that break the rules of a type or the schema', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'openai' }, 'name'],
      [{ name: 'x', type: 'gemini' }, 'type'],
      [{ name: 'x', type: 'openai_compatible' }, 'base_url'],
      [{ name: 'x', type: 'offline', api_key: 'sk-offline-key-123456' }, 'api_key'],
      [{ name: 'x', type: 'offline', base_url: openai.url }, 'base_url'],
      [{ name: 'x', type: 'openai', base_url: 'http://user:pass@127.0.0.1/v1' }, 'base_url'],
      [{ name: 'x', type: 'openai', api_key: 'has spaces in it' }, 'api_key'],
      [{ name: 'x', type: 'openai', colour: 'blue' }, 'colour'],
      [{ name: ' ', type: 'openai' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post('/api/v1/providers', body, as(owner));
      expectError(response, 422, 'validation_error');
      expect(
        response.body.validation_errors.map((error: { field: string }) => error.field),
        JSON.stringify(body),
      ).toContain(field);
    }
  });
});

describe('the default provider', () => {
  it('is the first provider of an organization, and moving it clears the old one', async () => {
    const account = await registerAccount(app.http, 'Defaults');
    const first = await create(openAiProvider('First'), account);
    expect(first.is_default).toBe(true);
    const second = await create(openAiProvider('Second'), account);
    expect(second.is_default).toBe(false);
    const third = await create(openAiProvider('Third', { is_default: true }), account);
    expect(third.is_default).toBe(true);

    const defaults = async () =>
      (await http.get('/api/v1/providers', as(account))).body
        .filter((provider: { is_default: boolean }) => provider.is_default)
        .map((provider: { name: string }) => provider.name);
    expect(await defaults()).toEqual(['Third']);
    const moved = await http.patch(`/api/v1/providers/${second.id}`, { is_default: true }, as(account));
    expect(moved.body.is_default).toBe(true);
    expect(await defaults()).toEqual(['Second']);

    // Concurrent moves serialize: exactly one default remains.
    await Promise.all(
      [first, third].map((provider) =>
        http.put(`/api/v1/providers/${provider.id}`, { is_default: true }, as(account)),
      ),
    );
    expect(await defaults()).toHaveLength(1);
    const unset = await http.patch(`/api/v1/providers/${second.id}`, { is_default: false }, as(account));
    expect(unset.status).toBe(200);
  });
});

describe('GET /api/v1/providers', () => {
  it('lists the organization’s providers newest first, paginated, with X-Total-Count', async () => {
    const account = await registerAccount(app.http, 'Lister');
    for (const name of ['One', 'Two', 'Three']) await create({ name, type: 'offline' }, account);
    const all = await http.get('/api/v1/providers', as(account));
    expect(all.body.map((provider: { name: string }) => provider.name)).toEqual(['Three', 'Two', 'One']);
    expect(all.headers.get('x-total-count')).toBe('3');
    const page = await http.get('/api/v1/providers?limit=1&offset=1', as(account));
    expect(page.body.map((provider: { name: string }) => provider.name)).toEqual(['Two']);
    expect(page.headers.get('x-total-count')).toBe('3');
    const operators = await http.get('/api/v1/providers?scope=operator', as(account));
    expect(operators.body).toEqual([]);
  });

  it('answers 404 for an unknown provider and 403 for another organization’s', async () => {
    expectError(
      await http.get('/api/v1/providers/00000000-0000-7000-8000-00000000ffff', as(owner)),
      404,
      'not_found',
    );
    const other = await registerAccount(app.http, 'Other');
    const theirs = await create({ name: 'Theirs', type: 'offline' }, other);
    expectError(await http.get(`/api/v1/providers/${theirs.id}`, as(owner)), 403, 'authorization_error');
    expectError(
      await http.get(`/api/v1/providers/${theirs.id}/models`, as(owner)),
      403,
      'authorization_error',
    );
  });
});

describe('PUT and PATCH /api/v1/providers/{id}', () => {
  it('renames without validating again, and validates again when the key changes', async () => {
    const created = await settled((await create(openAiProvider('Renamable'))).id);
    const renamed = await http.put(`/api/v1/providers/${created.id}`, { name: 'Renamed' }, as(owner));
    expect(renamed.body).toMatchObject({
      name: 'Renamed',
      validation_status: 'connected',
      validated_at: created.validated_at,
      has_api_key: true,
    });

    const rekeyed = await http.patch(`/api/v1/providers/${created.id}`, { api_key: WRONG_KEY }, as(owner));
    expect(rekeyed.body).toMatchObject({ validation_status: 'pending', api_key_last4: '3210', models: [] });
    expect((await settled(created.id)).validation_status).toBe('error');

    const restored = await http.patch(`/api/v1/providers/${created.id}`, { api_key: OPENAI_KEY }, as(owner));
    expect(restored.body.validation_status).toBe('pending');
    expect(await settled(created.id)).toMatchObject({
      validation_status: 'connected',
      api_key_last4: 'cdef',
    });
  });

  it('keeps the key when api_key is omitted and removes it with null', async () => {
    const created = await settled((await create(openAiProvider('Key holder'))).id);
    const moved = await http.patch(
      `/api/v1/providers/${created.id}`,
      { base_url: `${openai.url}/` },
      as(owner),
    );
    // The same URL once normalized: nothing to validate again.
    expect(moved.body).toMatchObject({ has_api_key: true, validation_status: 'connected' });

    const removed = await http.patch(`/api/v1/providers/${created.id}`, { api_key: null }, as(owner));
    expect(removed.body).toMatchObject({
      has_api_key: false,
      api_key_last4: null,
      validation_status: 'pending',
    });
    const provider = await settled(created.id);
    expect(provider.validation_error).toMatch(/rejected the API key \(HTTP 401/);
  });

  it('deactivates a provider and switches one to offline, dropping its URL and key', async () => {
    const created = await create(openAiProvider('Switcher'));
    const inactive = await http.patch(`/api/v1/providers/${created.id}`, { is_active: false }, as(owner));
    expect(inactive.body.is_active).toBe(false);
    const offline = await http.put(`/api/v1/providers/${created.id}`, { type: 'offline' }, as(owner));
    expect(offline.body).toMatchObject({
      type: 'offline',
      base_url: null,
      has_api_key: false,
      validation_status: 'connected',
    });
  });

  it('refuses blocked URLs, broken type rules, duplicate names and unknown providers', async () => {
    const created = await create(openAiProvider('Guarded'));
    const path = `/api/v1/providers/${created.id}`;
    expectError(
      await http.patch(path, { base_url: 'http://10.0.0.1/v1' }, as(owner)),
      400,
      'outbound_url_blocked',
    );
    expectError(await http.patch(path, { base_url: null }, as(owner)), 422, 'validation_error');
    expectError(
      await http.patch(path, { type: 'offline', api_key: OPENAI_KEY }, as(owner)),
      422,
      'validation_error',
    );
    await create(openAiProvider('Taken'));
    expectError(await http.patch(path, { name: 'TAKEN' }, as(owner)), 409, 'provider_name_taken');
    expectError(
      await http.patch('/api/v1/providers/00000000-0000-7000-8000-00000000ffff', { name: 'x' }, as(owner)),
      404,
      'not_found',
    );
    expect((await http.get(path, as(owner))).body).toMatchObject({ name: 'Guarded', base_url: openai.url });
  });
});

describe('DELETE /api/v1/providers/{id}', () => {
  it('soft-deletes: 204, then 404 on reads, gone from the list, and the name is free again', async () => {
    const created = await create(openAiProvider('Doomed'));
    const deleted = await http.delete(`/api/v1/providers/${created.id}`, as(owner));
    expect(deleted.status).toBe(204);
    expectError(await http.get(`/api/v1/providers/${created.id}`, as(owner)), 404, 'not_found');
    expectError(await http.delete(`/api/v1/providers/${created.id}`, as(owner)), 404, 'not_found');
    const list = await http.get('/api/v1/providers?limit=200', as(owner));
    expect(list.body.map((provider: { id: string }) => provider.id)).not.toContain(created.id);
    await create(openAiProvider('Doomed'));
    const { rows } = (await app.database.db.execute(
      sql`select api_key_ciphertext, deleted_at from llm_providers where id = ${created.id}`,
    )) as unknown as { rows: { api_key_ciphertext: string | null; deleted_at: unknown }[] };
    const [row] = rows;
    expect(row).toMatchObject({ api_key_ciphertext: null, deleted_at: expect.anything() });
  });
});

describe('POST /api/v1/providers/{id}/validate', () => {
  it('answers 202 with the provider pending, then it settles again', async () => {
    const created = await settled((await create(openAiProvider('Revalidated'))).id);
    const response = await http.post(`/api/v1/providers/${created.id}/validate`, undefined, as(owner));
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: created.id, validation_status: 'pending' });
    const provider = await settled(created.id);
    expect(provider.validation_status).toBe('connected');
    expect(Date.parse(provider.validated_at)).toBeGreaterThanOrEqual(Date.parse(created.validated_at));
  });
});

describe('roles', () => {
  it('lets agent_admins read, only org_admins manage, and nobody below read', async () => {
    const created = await create({ name: 'Role check', type: 'offline' });
    const agentAdmin = await addMember(app.http, owner, 'agent_admin');
    const agentUser = await addMember(app.http, owner, 'agent_user');
    const readonly = await addMember(app.http, owner, 'readonly');
    expect((await http.get('/api/v1/providers', as(agentAdmin))).status).toBe(200);
    expect((await http.get(`/api/v1/providers/${created.id}/models`, as(agentAdmin))).status).toBe(200);
    const path = `/api/v1/providers/${created.id}`;
    for (const response of [
      await http.post('/api/v1/providers', { name: 'No', type: 'offline' }, as(agentAdmin)),
      await http.patch(path, { name: 'No' }, as(agentAdmin)),
      await http.delete(path, as(agentAdmin)),
      await http.post(`${path}/validate`, undefined, as(agentAdmin)),
      await http.get('/api/v1/providers', as(agentUser)),
      await http.get(path, as(readonly)),
    ]) {
      expectError(response, 403, 'authorization_error');
    }
    expect((await http.get('/api/v1/providers', {})).status).toBe(401);
  });
});

describe('operator providers', () => {
  it('appear to organizations when configured, validated, read-only, and disclose nothing of the key', async () => {
    const operator = await startOpenAiStub({ apiKey: OPERATOR_KEY, models: ['operator-model'] });
    try {
      const { app: operated, http: client } = await startApp({
        OUTBOUND_ALLOWLIST: '127.0.0.1',
        OPENAI_API_KEY: OPERATOR_KEY,
        OPENAI_BASE_URL: operator.url,
      });
      const account = await registerAccount(operated.http, 'Tenant');
      const id = operatorProviderIds.openai;
      const provider = await settled(id, account, client);
      expect(provider).toMatchObject({
        id,
        organization_id: null,
        scope: 'operator',
        type: 'openai',
        base_url: null,
        has_api_key: true,
        api_key_last4: null,
        validation_status: 'connected',
        models: [{ id: 'operator-model' }],
      });
      await create({ name: 'Own', type: 'offline' }, account, client);
      const list = await client.get('/api/v1/providers', as(account));
      expect(list.body.map((item: { scope: string }) => item.scope)).toEqual(['organization', 'operator']);
      expect(list.headers.get('x-total-count')).toBe('2');
      const onlyOwn = await client.get('/api/v1/providers?scope=organization', as(account));
      expect(onlyOwn.body).toHaveLength(1);

      for (const response of [
        await client.put(`/api/v1/providers/${id}`, { name: 'Mine now' }, as(account)),
        await client.patch(`/api/v1/providers/${id}`, { is_active: false }, as(account)),
        await client.delete(`/api/v1/providers/${id}`, as(account)),
      ]) {
        expectError(response, 403, 'operator_provider_read_only');
        expect(response.body.message).toMatch(/configured by the operator of this server and is read-only/);
      }
      const validation = await client.post(`/api/v1/providers/${id}/validate`, undefined, as(account));
      expect(validation.status).toBe(202);
      expect((await settled(id, account, client)).validation_status).toBe('connected');
      const models = await client.get(`/api/v1/providers/${id}/models`, as(account));
      expect(models.body).toEqual([{ id: 'operator-model' }]);
    } finally {
      await operator.close();
    }
  });

  it('are neither listed nor readable when OPERATOR_PROVIDERS_SHARED=false', async () => {
    const { app: unshared, http: client } = await startApp({
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      OPENAI_API_KEY: OPERATOR_KEY,
      OPENAI_BASE_URL: keyless.url,
      OPERATOR_PROVIDERS_SHARED: 'false',
    });
    const account = await registerAccount(unshared.http, 'Unshared');
    const list = await client.get('/api/v1/providers', as(account));
    expect(list.body).toEqual([]);
    const read = await client.get(`/api/v1/providers/${operatorProviderIds.openai}`, as(account));
    expectError(read, 403, 'authorization_error');
    expect(read.body.message).toMatch(/not shared/);
  });
});

describe('the outbound guard without OUTBOUND_ALLOWLIST', () => {
  it('refuses a loopback base URL', async () => {
    const { app: strict, http: client } = await startApp({});
    const account = await registerAccount(strict.http, 'Strict');
    const response: ApiResponse = await client.post(
      '/api/v1/providers',
      openAiProvider('Loopback'),
      as(account),
    );
    expectError(response, 400, 'outbound_url_blocked');
    expect(response.body.message).toMatch(/127\.0\.0\.1.*loopback/);
  });
});

describe('keys at rest and in transit', () => {
  it('stores keys encrypted and never shows them in a response or a log line', async () => {
    const { rows } = (await app.database.db.execute(
      sql`select id, api_key_ciphertext from llm_providers where api_key_ciphertext is not null`,
    )) as unknown as { rows: { id: string; api_key_ciphertext: string }[] };
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(row.api_key_ciphertext).toMatch(/^v1\./);
      for (const key of KEYS) expect(row.api_key_ciphertext).not.toContain(key);
    }
    expect(bodies.length).toBeGreaterThan(50);
    const everything = [...bodies, ...apps.flatMap((started) => started.logs)];
    for (const text of everything) for (const key of KEYS) expect(text).not.toContain(key);
  });
});

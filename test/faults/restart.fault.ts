import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/** `agentry serve` as a real process: data survives a graceful restart on either database. */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;
let stub: OpenAiStub;
const PROVIDER_KEY = 'sk-restart-provider-key-0123456789';

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: PROVIDER_KEY, models: ['durable-model'] });
  environment = await serverEnvironment();
  env = environment.env;
});
afterEach(killServerProcesses);
afterAll(async () => {
  await stub.close();
  await environment.dispose();
});

describe('agentry serve', () => {
  it('stops gracefully on SIGTERM and finds everything again after a restart', async () => {
    const first = await startServerProcess(env);
    const http = createHttpClient(first.url);
    expect((await http.get('/health/ready')).status).toBe(200);
    const owner = await registerAccount(http);
    const agent = await http.post('/api/v1/agents', { name: 'Durable', role: 'v1' }, { token: owner.token });
    await http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { role: 'v2', change_reason: 'before restart' },
      {
        token: owner.token,
      },
    );
    const provider = await http.post(
      '/api/v1/providers',
      { name: 'Durable key', type: 'openai_compatible', base_url: stub.url, api_key: PROVIDER_KEY },
      { token: owner.token },
    );
    expect(provider.status).toBe(201);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('SIGTERM received');

    const second = await startServerProcess(env);
    const again = createHttpClient(second.url);
    // The same access token still works: the signing secret persisted too.
    const read = await again.get(`/api/v1/agents/${agent.body.id}`, { token: owner.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: 'Durable', role: 'v2', version: 2 });
    const history = await again.get(`/api/v1/agents/${agent.body.id}/history`, { token: owner.token });
    expect(history.body.map((row: { field_changed: string | null }) => row.field_changed)).toEqual([
      'role',
      null,
    ]);
    const login = await again.post('/api/v1/auth/login', {
      email: owner.email,
      password: 'TestPassword123!',
    });
    expect(login.status).toBe(200);
    // The stored provider key still opens: the secret key persisted (or is shared) too.
    const validation = await again.post(`/api/v1/providers/${provider.body.id}/validate`, undefined, {
      token: owner.token,
    });
    expect(validation.status).toBe(202);
    const deadline = Date.now() + 10_000;
    let validated = validation.body;
    while (!['connected', 'error'].includes(validated.validation_status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      validated = (await again.get(`/api/v1/providers/${provider.body.id}`, { token: owner.token })).body;
    }
    expect(validated).toMatchObject({ validation_status: 'connected', models: [{ id: 'durable-model' }] });
    expect(await second.stop('SIGINT')).toBe(0);

    if (testDatabaseKind === 'pglite') {
      expect((await stat(join(env.DATA_DIR as string, 'jwt-secret'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(env.DATA_DIR as string, 'secret-key'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(env.DATA_DIR as string, 'db'))).isDirectory()).toBe(true);
    }
  });

  it('refuses to start on PostgreSQL without JWT_SECRET, with a clear message', async () => {
    const attempt = startServerProcess({
      DATA_DIR: env.DATA_DIR as string,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    });
    await expect(attempt).rejects.toThrow(/JWT_SECRET \(or JWT_SECRET_FILE\) is required with DATABASE_URL/);
  });

  it('refuses to start on PostgreSQL without AGENTRY_SECRET_KEY, with a clear message', async () => {
    const attempt = startServerProcess({
      DATA_DIR: env.DATA_DIR as string,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
      JWT_SECRET: 'restart-test-secret-long-enough-for-hs256',
    });
    await expect(attempt).rejects.toThrow(
      /AGENTRY_SECRET_KEY \(or AGENTRY_SECRET_KEY_FILE\) is required with DATABASE_URL/,
    );
  });

  it('treats empty settings as unset, including those provider SDKs read themselves', async () => {
    const server = await startServerProcess({
      ...env,
      ANTHROPIC_BASE_URL: '',
      OPENAI_BASE_URL: '',
      LOG_LEVEL: '',
    });
    expect((await createHttpClient(server.url).get('/health/ready')).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('refuses an invalid setting with a clear message, as a JSON log line', async () => {
    // The message's line breaks are escaped within its JSON line.
    await expect(startServerProcess({ ...env, PORT: 'eighty' })).rejects.toThrow(
      /"level":50,.*"msg":"Invalid configuration:\\n +PORT: /,
    );
  });
});

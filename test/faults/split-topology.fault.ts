import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { createHttpClient } from '../support/http-client.ts';
import { killServerProcesses, startServerProcess, startWorkerProcess } from '../support/server-process.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from '../support/test-database.ts';

/**
 * The split topology (DESIGN section 2) with real processes: `agentry serve --no-worker` serves
 * the API and `agentry worker` runs the jobs, both on one PostgreSQL database.
 */
const API_KEY = 'sk-split-topology-key-0123456789';
let stub: OpenAiStub;
let database: TestDatabase | undefined;
let dataDir: string;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['split-model'] });
  dataDir = await mkdtemp(join(tmpdir(), 'agentry-split-'));
  if (testDatabaseKind === 'postgres') {
    database = await createTestDatabase();
    await database.close();
  }
});
afterEach(killServerProcesses);
afterAll(async () => {
  await stub.close();
  await database?.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

describe('an API process without workers and a separate worker process', () => {
  it.skipIf(testDatabaseKind === 'pglite')(
    'validate a provider created through the API in the worker process (PostgreSQL only: a PGlite data directory cannot be shared by two processes)',
    async () => {
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url as string,
        JWT_SECRET: 'split-topology-secret-long-enough-for-hs256',
        AGENTRY_SECRET_KEY: 'cd'.repeat(32),
        OUTBOUND_ALLOWLIST: '127.0.0.1',
      };
      const api = await startServerProcess(env, ['--no-worker']);
      expect(api.output()).toContain('without workers');
      const http = createHttpClient(api.url);
      const owner = await registerAccount(http);
      const created = await http.post(
        '/api/v1/providers',
        { name: 'Split', type: 'openai_compatible', base_url: stub.url, api_key: API_KEY },
        { token: owner.token },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);

      // Without a worker anywhere, the job waits in the queue.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const waiting = await http.get(`/api/v1/providers/${created.body.id}`, { token: owner.token });
      expect(waiting.body.validation_status).toBe('pending');
      expect(stub.requests).toHaveLength(0);

      const worker = await startWorkerProcess(env);
      const deadline = Date.now() + 15_000;
      let provider = waiting.body;
      while (provider.validation_status === 'pending' || provider.validation_status === 'validating') {
        if (Date.now() > deadline) throw new Error(`not validated: ${JSON.stringify(provider)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        provider = (await http.get(`/api/v1/providers/${created.body.id}`, { token: owner.token })).body;
      }
      expect(provider).toMatchObject({ validation_status: 'connected', models: [{ id: 'split-model' }] });
      expect(stub.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);

      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(await api.stop('SIGTERM')).toBe(0);
      for (const output of [api.output(), worker.output()]) expect(output).not.toContain(API_KEY);
    },
  );
});

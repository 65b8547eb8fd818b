import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../../../test/stubs/openai-stub.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { loadConfig } from '../../config.ts';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { JobQueue, QueuedJob } from '../../platform/queue/job-queue.ts';
import type { Principal } from '../tenancy/index.ts';
import { createOperatorProviders } from './operator-providers.ts';
import { providerValidationJob, type ValidationJobData } from './provider-jobs.ts';
import { findProvider } from './provider-repository.ts';
import { createProviderService } from './provider-service.ts';

const API_KEY = 'sk-job-test-key-0123456789';
let database: TestDatabase;
let stub: OpenAiStub;
let principal: Principal;
const secretKey = randomBytes(32);
const sent: ValidationJobData[] = [];
const queue = {
  send: async (_name: string, data: ValidationJobData) => {
    sent.push(data);
    return 'job';
  },
} as unknown as JobQueue;

beforeAll(async () => {
  database = await createTestDatabase();
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['m1'] });
  principal = await newOrganization(database.db);
});
afterAll(async () => {
  await stub.close();
  await database.dispose();
});

function assemble(fetch: (url: string, init: RequestInit) => Promise<Response> = globalThis.fetch) {
  const secretBox = createSecretBox(secretKey);
  const operators = createOperatorProviders({ db: database.db, settings: [], shared: true, secretKey });
  const service = createProviderService({
    db: database.db,
    queue,
    secretBox,
    outboundGuard: { assertAllowed: async () => undefined },
    operators,
    events: { publish: async () => {} },
    onChanged: () => {},
    defaults: loadConfig({}).llmResilience,
  });
  const job = providerValidationJob({ db: database.db, secretBox, operators, fetch, timeoutMs: 2_000 });
  return { service, job };
}

const jobOf = (data: ValidationJobData, attempt = 0): QueuedJob<ValidationJobData> => ({
  id: uuidv7(),
  data,
  attempt,
  signal: new AbortController().signal,
});

describe('provider validation job', () => {
  it('validates the sequence it holds and ignores a stale or repeated delivery', async () => {
    const { service, job } = assemble();
    const created = await service.create(principal, {
      name: 'Stale',
      type: 'openai_compatible',
      base_url: stub.url,
      api_key: API_KEY,
    });
    const first = sent.at(-1) as ValidationJobData;
    await service.update(principal, created.id, { api_key: `${API_KEY}-new` });
    const second = sent.at(-1) as ValidationJobData;
    expect(second.sequence).toBe(first.sequence + 1);

    stub.reset();
    await job.handle(jobOf(first));
    expect(stub.requests).toHaveLength(0);
    expect((await findProvider(database.db, principal, created.id))?.validationStatus).toBe('pending');

    await job.handle(jobOf(second));
    const validated = await findProvider(database.db, principal, created.id);
    expect(validated).toMatchObject({ validationStatus: 'error' });
    expect(validated?.validationError).toMatch(/rejected the API key/);

    // At-least-once delivery: the same job again does nothing more.
    await job.handle(jobOf(second));
    expect(stub.requests).toHaveLength(1);
  });

  it('fails the job when it is stopped mid-probe, and its last attempt records an error', async () => {
    const { service, job } = assemble(async () => {
      throw new Error('the job was stopped');
    });
    const created = await service.create(principal, {
      name: 'Unlucky',
      type: 'openai_compatible',
      base_url: stub.url,
      api_key: API_KEY,
    });
    const data = sent.at(-1) as ValidationJobData;
    // Shutdown or expiry aborts the job: no verdict on the provider, the job is retried.
    const stopped = new AbortController();
    stopped.abort();
    await expect(job.handle({ ...jobOf(data, 0), signal: stopped.signal })).rejects.toThrow();
    const retried = await findProvider(database.db, principal, created.id);
    expect(retried?.validationStatus).toBe('validating');

    await expect(job.handle({ ...jobOf(data, 2), signal: stopped.signal })).rejects.toThrow();
    const row = await findProvider(database.db, principal, created.id);
    expect(row).toMatchObject({
      validationStatus: 'error',
      validationError: 'The validation failed unexpectedly; validate the provider again',
    });
  });
});

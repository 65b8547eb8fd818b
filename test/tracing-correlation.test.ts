import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentryModule } from '../src/app.ts';
import type { JobQueue } from '../src/platform/queue/job-queue.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The correlation id (the request id) follows the work: every log line written while a request is
 * handled carries it, module lines included; a job the request sends runs under it; outbound calls
 * carry it in X-Request-ID. A job no request sent runs under its own id. Tracing is not configured
 * here, so no `traceparent` goes out.
 */
const PROBE_QUEUE = 'tracing-probe';
const ranJobs: { id: string; data: unknown }[] = [];
let probeQueue: JobQueue | undefined;

/** A module of this test only: a route that logs through the app's logger and sends a job that logs too. */
const probeModule: AgentryModule = async (app, { jobs }) => {
  jobs.add<{ note: string }>({
    queue: { name: PROBE_QUEUE, options: { retryLimit: 0 }, deadLetter: false },
    handle: async (job) => {
      app.log.info({ probe_job: job.id }, 'probe job ran');
      ranJobs.push({ id: job.id, data: job.data });
    },
  });
  jobs.atStart(async (queue) => {
    probeQueue = queue;
  });
  app.post('/probe/work', async (request) => {
    app.log.info({ probe_body: JSON.stringify(request.body).length }, 'probe module line');
    const jobId = await probeQueue?.send(PROBE_QUEUE, { note: 'from a request' });
    return { job_id: jobId };
  });
};

let app: TestApp;
let stub: OpenAiStub;
let owner: TestAccount;
const PROVIDER_KEY = 'sk-correlation-key-0123456789';

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: PROVIDER_KEY, models: ['gpt-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' }, 'all', [probeModule]);
  owner = await registerAccount(app.http);
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

const logLines = () => app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);

async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the correlation id', () => {
  it('is on every log line of a request, module lines included, and on the lines of the job it sent', async () => {
    const response = await app.http.post(
      '/probe/work',
      { word: 'hello'.repeat(100_000) },
      { headers: { 'x-request-id': 'correlated-probe-1' } },
    );
    expect(response.status).toBe(200);
    const jobId = response.body.job_id as string;
    const ran = await eventually(() => ranJobs.find((job) => job.id === jobId), 'the probe job');
    // The handler gets the data it was sent, without the carried context.
    expect(ran.data).toEqual({ note: 'from a request' });
    const jobLine = await eventually(
      () => logLines().find((line) => line.probe_job === jobId),
      'the job’s log line',
    );
    expect(jobLine.request_id).toBe('correlated-probe-1');

    const lines = logLines().filter((line) => line.request_id === 'correlated-probe-1');
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'probe module line', 'request completed', 'probe job ran']),
    );
    // Once per line, whichever logger wrote it.
    for (const raw of app.logs.filter((line) => line.includes('correlated-probe-1'))) {
      expect(raw.match(/"request_id"/g)).toHaveLength(1);
    }
  });

  it('is a job’s own id when no request sent the job', async () => {
    const jobId = await probeQueue?.send(PROBE_QUEUE, { note: 'in the background' });
    expect(jobId).toBeTruthy();
    const jobLine = await eventually(
      () => logLines().find((line) => line.probe_job === jobId),
      'the background job’s log line',
    );
    expect(jobLine.request_id).toBe(jobId);
  });

  it('goes out with provider calls: from the job a request sent, and from a turn', async () => {
    const as = { token: owner.token };
    const created = await app.http.post(
      '/api/v1/providers',
      { name: 'Correlated', type: 'openai_compatible', base_url: stub.url, api_key: PROVIDER_KEY },
      { ...as, headers: { 'x-request-id': 'provider-correlation-1' } },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const validation = await eventually(
      () => stub.requests.find((request) => request.path === '/v1/models'),
      'the provider validation call',
    );
    expect(validation.headers['x-request-id']).toBe('provider-correlation-1');
    expect(validation.headers.traceparent).toBeUndefined();

    const agent = await app.http.post(
      '/api/v1/agents',
      { name: 'Correlated agent', provider_id: created.body.id, model: 'gpt-stub' },
      as,
    );
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const executed = await app.http.post(
      `/api/v1/agents/${agent.body.id}/execute`,
      { message: 'Hello' },
      { ...as, headers: { 'x-correlation-id': 'turn-correlation-1' } },
    );
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    const completions = stub.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(completions.length).toBeGreaterThan(0);
    for (const request of completions) {
      expect(request.headers['x-request-id']).toBe('turn-correlation-1');
      expect(request.headers.traceparent).toBeUndefined();
    }
  });
});

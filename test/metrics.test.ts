import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgentry } from '../src/server.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { hasSample, parsePrometheusText, type Sample, sampleValue } from './support/prometheus-text.ts';
import { as, createTask, startWorkerFor, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Prometheus metrics (docs/metrics.md), scraped over HTTP as Prometheus does: on the API's port
 * with METRICS_TOKEN, and on a listener of their own (METRICS_PORT), the worker-only process's
 * one way to be scraped. Each check compares two scrapes around what it does.
 */
const TOKEN = 'metrics-token-0123456789abcdef';
const KEY = 'sk-stub-key-0123456789';

async function scrape(url: string, token?: string): Promise<Sample[]> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(text);
}

describe('metrics on the API port and on a listener of their own', () => {
  let stub: OpenAiStub;
  let app: TestApp;
  let owner: TestAccount;
  let agentId: string;
  const scrapeApi = () => scrape(`${app.url}/metrics`, TOKEN);

  async function settled(providerId: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const provider = (await app.http.get(`/api/v1/providers/${providerId}`, as(owner))).body;
      if (['connected', 'error'].includes(provider.validation_status)) return provider;
      if (Date.now() > deadline) throw new Error(`validation did not settle: ${JSON.stringify(provider)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function createAgent(body: Record<string, unknown> = {}) {
    const response = await app.http.post(
      '/api/v1/agents',
      {
        name: 'Counted',
        model: 'gpt-stub',
        show_suggestions_after_each_message: false,
        use_memory_context: false,
        ...body,
      },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  }

  beforeAll(async () => {
    stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
    app = await startTestApp({
      METRICS_TOKEN: TOKEN,
      METRICS_PORT: '0',
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      LLM_RETRY_MAX_ATTEMPTS: '1',
      MODEL_PRICES: '{"gpt-stub": {"input": 1, "output": 2}}',
    });
    owner = await registerAccount(app.http, 'Operator');
    const provider = await app.http.post(
      '/api/v1/providers',
      { type: 'openai_compatible', name: 'Stub', api_key: KEY, base_url: stub.url },
      as(owner),
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    expect(await settled(provider.body.id)).toMatchObject({ validation_status: 'connected' });
    agentId = await createAgent();
  });
  afterAll(async () => {
    await app.close();
    await stub.close();
  });

  it('counts requests by method, route pattern and status, never by their URL', async () => {
    const route = { method: 'GET', route: '/api/v1/agents/:id' };
    const before = await scrapeApi();
    const missing = randomUUID();
    expect((await app.http.get(`/api/v1/agents/${missing}`, as(owner))).status).toBe(404);
    expect((await app.http.get(`/api/v1/agents/${agentId}`, as(owner))).status).toBe(200);
    expect((await app.http.get('/no/such/route')).status).toBe(404);
    const after = await scrapeApi();
    const count = 'agentry_http_request_duration_seconds_count';
    const delta = (samples: Sample[], labels: Record<string, string>) =>
      sampleValue(samples, count, labels) - sampleValue(before, count, labels);
    expect(delta(after, { ...route, status_code: '404' })).toBe(1);
    expect(delta(after, { ...route, status_code: '200' })).toBe(1);
    expect(delta(after, { route: 'unmatched', status_code: '404' })).toBe(1);
    const routes = new Set(
      after.filter((sample) => sample.name === count).map((sample) => sample.labels.route),
    );
    expect([...routes].filter((label) => label?.includes(missing) || label?.includes(agentId))).toEqual([]);
    // The scrape before this one was a request too, under its own pattern.
    expect(hasSample(after, count, { route: '/metrics', status_code: '200' })).toBe(true);
  });

  it('counts turns by trigger and outcome, and model calls with their tokens, cost and errors', async () => {
    const model = { provider_type: 'openai_compatible', model: 'gpt-stub' };
    const before = await scrapeApi();
    stub.enqueue({ type: 'text', text: 'Counted.', usage: { inputTokens: 1_000, outputTokens: 500 } });
    const answered = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'hello' },
      as(owner),
    );
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    stub.failNext(1, 400);
    const refused = await app.http.post(`/api/v1/agents/${agentId}/execute`, { message: 'again' }, as(owner));
    expectError(refused, 502, 'provider_error');
    const after = await scrapeApi();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta('agentry_turn_duration_seconds_count', { trigger: 'chat', outcome: 'completed' })).toBe(1);
    expect(delta('agentry_turn_duration_seconds_count', { trigger: 'chat', outcome: 'failed' })).toBe(1);
    expect(
      delta('agentry_turn_duration_seconds_sum', { trigger: 'chat', outcome: 'completed' }),
    ).toBeGreaterThan(0);
    expect(delta('agentry_model_call_duration_seconds_count', { ...model, outcome: 'success' })).toBe(1);
    expect(delta('agentry_model_call_duration_seconds_count', { ...model, outcome: 'error' })).toBe(1);
    expect(delta('agentry_model_call_errors_total', { ...model, code: 'provider_error' })).toBe(1);
    expect(delta('agentry_model_tokens_total', { ...model, direction: 'input' })).toBe(1_000);
    expect(delta('agentry_model_tokens_total', { ...model, direction: 'output' })).toBe(500);
    // 1,000 input tokens at 1 USD and 500 output tokens at 2 USD per million.
    expect(delta('agentry_model_cost_usd_total', model)).toBeCloseTo(0.002, 9);
  });

  it('counts tool calls by origin and outcome', async () => {
    const toolAgent = await createAgent({ name: 'Clock', tools: ['current_time'] });
    const before = await scrapeApi();
    stub.enqueue(
      {
        type: 'tool-calls',
        toolCalls: [{ id: 'call_1', name: 'current_time', arguments: { timezone: 'UTC' } }],
      },
      { type: 'text', text: 'It is time.' },
    );
    const response = await app.http.post(
      `/api/v1/agents/${toolAgent}/execute`,
      { message: 'time?' },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const after = await scrapeApi();
    const name = 'agentry_tool_call_duration_seconds_count';
    const labels = { origin: 'builtin', outcome: 'success' };
    expect(sampleValue(after, name, labels) - sampleValue(before, name, labels)).toBe(1);
    // The tool loop streams: both of its model calls are counted once their streams end.
    const calls = 'agentry_model_call_duration_seconds_count';
    const success = { model: 'gpt-stub', outcome: 'success' };
    expect(sampleValue(after, calls, success) - sampleValue(before, calls, success)).toBe(2);
  });

  it('counts streamed turns and their model calls', async () => {
    const before = await scrapeApi();
    stub.enqueue({ type: 'text', text: 'Streamed.', usage: { inputTokens: 10, outputTokens: 3 } });
    const response = await fetch(`${app.url}/api/v1/agents/${agentId}/execute/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'stream it' }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('run-completed');
    const after = await scrapeApi();
    const tokens = { model: 'gpt-stub', direction: 'output' };
    expect(
      sampleValue(after, 'agentry_model_tokens_total', tokens) -
        sampleValue(before, 'agentry_model_tokens_total', tokens),
    ).toBe(3);
  });

  it('shows the queues, their jobs, the breakers, the database pool and the process', async () => {
    stub.enqueue({ type: 'text', text: 'Done.' });
    const task = await createTask(app.http, owner, agentId, { task_type: 'ping', queue: true });
    await waitForTask(app.http, owner.token, agentId, task.id, ['completed']);
    const samples = await scrapeApi();
    const queue = { queue: 'agent-tasks' };
    expect(
      sampleValue(samples, 'agentry_job_duration_seconds_count', { ...queue, outcome: 'completed' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'agentry_turn_duration_seconds_count', { trigger: 'task', outcome: 'completed' }),
    ).toBe(1);
    for (const state of ['ready', 'deferred', 'active']) {
      expect(hasSample(samples, 'agentry_queue_jobs', { ...queue, state }), state).toBe(true);
    }
    // Its dead-letter queue is a queue too.
    expect(
      hasSample(samples, 'agentry_queue_jobs', { queue: 'agent-tasks-dead-letter', state: 'ready' }),
    ).toBe(true);
    expect(hasSample(samples, 'agentry_queue_oldest_job_age_seconds', queue)).toBe(true);
    // pg-boss's own queues are not Agentry's work.
    expect(samples.filter((sample) => sample.labels.queue?.startsWith('__pgboss__'))).toEqual([]);
    expect(
      sampleValue(samples, 'agentry_circuit_breakers', { service_type: 'llm_provider', state: 'closed' }),
    ).toBeGreaterThanOrEqual(1);
    if (app.database.kind === 'postgres') {
      expect(sampleValue(samples, 'agentry_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
      expect(hasSample(samples, 'agentry_db_pool_waiting_queries')).toBe(true);
    } else {
      expect(hasSample(samples, 'agentry_db_pool_connections')).toBe(false);
    }
    expect(hasSample(samples, 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(hasSample(samples, 'process_resident_memory_bytes')).toBe(true);
  });

  it('answers 401 without the metrics token, with a wrong one or with a user’s token', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Bearer ${owner.token}`,
      TOKEN,
    ]) {
      const response = await app.http.get('/metrics', {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.body).toMatchObject({ error: true, code: 'metrics_token_required' });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    }
  });

  it('serves the same metrics without a token on METRICS_PORT, and nothing else there', async () => {
    expect(app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const samples = await scrape(app.metricsUrl as string);
    expect(hasSample(samples, 'agentry_turn_duration_seconds_count', { trigger: 'chat' })).toBe(true);
    const elsewhere = await fetch((app.metricsUrl as string).replace(/\/metrics$/, '/api/v1/agents'));
    expect(elsewhere.status).toBe(404);
    await elsewhere.text();
  });
});

describe('metrics left off', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('answers /metrics 404 with how to turn it on, and runs no listener', async () => {
    const response = await app.http.get('/metrics');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: true, code: 'metrics_disabled' });
    expect(response.body.message).toContain('METRICS_TOKEN');
    expect(response.body.message).toContain('METRICS_PORT');
    expect(app.metricsUrl).toBeNull();
  });
});

describe('a worker-only process', () => {
  let api: TestApp;
  let worker: RunningAgentry;
  beforeAll(async () => {
    api = await startTestApp({}, 'api');
    worker = await startWorkerFor(api, { METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  it('is scraped on METRICS_PORT: the jobs and turns it ran', async () => {
    expect(worker.url).toBeNull();
    const owner = await registerAccount(api.http, 'Owner');
    const created = await api.http.post('/api/v1/agents', { name: 'Offline worker' }, as(owner));
    const task = await createTask(api.http, owner, created.body.id, { task_type: 'ping', queue: true });
    await waitForTask(api.http, owner.token, created.body.id, task.id, ['completed']);
    const samples = await scrape(worker.metricsUrl as string);
    expect(
      sampleValue(samples, 'agentry_job_duration_seconds_count', {
        queue: 'agent-tasks',
        outcome: 'completed',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'agentry_turn_duration_seconds_count', { trigger: 'task', outcome: 'completed' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'agentry_model_call_duration_seconds_count', {
        provider_type: 'offline',
        outcome: 'success',
      }),
    ).toBe(1);
    // The API process ran none of them.
    expect(hasSample(samples, 'agentry_http_request_duration_seconds_count')).toBe(false);
  });
});

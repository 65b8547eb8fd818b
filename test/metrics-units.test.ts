import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { callModelDirect } from '../src/modules/execution/direct-model-call.ts';
import { withModelCallMetrics } from '../src/modules/execution/model-call-metrics.ts';
import { createOutboundGuard } from '../src/platform/http/outbound-guard.ts';
import { createLanguageModel } from '../src/platform/llm/model-factory.ts';
import { countsAgainstProvider, withResilience } from '../src/platform/llm/resilient-model.ts';
import { createMetrics, type Metrics } from '../src/platform/observability/metrics.ts';
import { bearerMatches } from '../src/platform/observability/metrics-access.ts';
import { createCircuitBreaker } from '../src/platform/resilience/circuit-breaker.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { hasSample, parsePrometheusText, sampleValue } from './support/prometheus-text.ts';

/**
 * The parts of metrics that need no database: the token check, one registry per instance, and
 * model calls counted against a real OpenAI-compatible server through the resilient model.
 */
describe('the metrics token', () => {
  const token = 'metrics-token-0123456789abcdef';

  it('accepts exactly `Bearer <token>`, the scheme in any case', () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
  });

  it('refuses a missing header, another scheme, a prefix or an extension of the token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      token,
      `Basic ${token}`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
    ]) {
      expect(bearerMatches(header, token), String(header)).toBe(false);
    }
  });
});

describe('the metrics settings', () => {
  it('reads METRICS_TOKEN from METRICS_TOKEN_FILE, and refuses a short token', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'agentry-metrics-'));
    try {
      const file = join(directory, 'token');
      await writeFile(file, 'metrics-token-from-a-file-0123\n');
      expect(loadConfig({ METRICS_TOKEN_FILE: file, METRICS_PORT: '9464' }).metrics).toEqual({
        token: 'metrics-token-from-a-file-0123',
        port: 9464,
        host: '127.0.0.1',
      });
      expect(loadConfig({}).metrics).toEqual({ token: null, port: null, host: '127.0.0.1' });
      expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
        /METRICS_TOKEN must be at least 16 characters/,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('one registry per instance', () => {
  it('keeps the counts of two instances apart, with the process’s metrics in both', async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.turnEnded('chat', 'completed', 0.2);
    first.turnEnded('chat', 'completed', 0.4);
    second.turnEnded('task', 'failed', 1);
    const firstSamples = parsePrometheusText(await first.scrape());
    const secondSamples = parsePrometheusText(await second.scrape());
    const count = 'agentry_turn_duration_seconds_count';
    expect(sampleValue(firstSamples, count, { trigger: 'chat', outcome: 'completed' })).toBe(2);
    expect(sampleValue(firstSamples, 'agentry_turn_duration_seconds_sum', { trigger: 'chat' })).toBeCloseTo(
      0.6,
    );
    expect(hasSample(firstSamples, count, { trigger: 'task' })).toBe(false);
    expect(sampleValue(secondSamples, count, { trigger: 'task', outcome: 'failed' })).toBe(1);
    expect(hasSample(secondSamples, count, { trigger: 'chat' })).toBe(false);
    for (const samples of [firstSamples, secondSamples]) {
      expect(hasSample(samples, 'nodejs_eventloop_lag_seconds')).toBe(true);
    }
  });

  it('leaves a gauge empty when its source fails, and still answers the scrape', async () => {
    const metrics = createMetrics();
    metrics.readFrom({
      queues: () => Promise.reject(new Error('the database is away')),
      breakers: () => [{ serviceType: 'mcp_server', state: 'open', count: 2 }],
    });
    const samples = parsePrometheusText(await metrics.scrape());
    expect(hasSample(samples, 'agentry_queue_jobs')).toBe(false);
    expect(
      sampleValue(samples, 'agentry_circuit_breakers', { service_type: 'mcp_server', state: 'open' }),
    ).toBe(2);
  });
});

describe('model calls', () => {
  const KEY = 'sk-test-key-0123456789';
  const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
  let stub: OpenAiStub;
  let metrics: Metrics;

  beforeAll(async () => {
    stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-test'] });
  });
  afterAll(() => stub.close());
  beforeEach(() => {
    stub.reset();
    metrics = createMetrics();
  });

  /** The model as turns call it: resilient (2 attempts, a breaker opening after 2 failures), then counted. */
  function countedModel() {
    const model = createLanguageModel(
      { id: 'p1', name: 'stub', type: 'openai_compatible', baseUrl: stub.url, apiKey: KEY },
      'gpt-test',
      guard.fetch,
    );
    const resilient = withResilience(model, {
      breaker: createCircuitBreaker('stub', {
        failureThreshold: 2,
        recoveryTimeoutMs: 60_000,
        countsAsFailure: countsAgainstProvider,
      }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      timeoutMs: 5_000,
    });
    return withModelCallMetrics(resilient, {
      metrics,
      prices: { 'gpt-test': { input: 2, output: 4 } },
      providerType: 'openai_compatible',
      modelId: 'gpt-test',
    });
  }

  const call = (options: { stream?: boolean; signal?: AbortSignal } = {}) =>
    callModelDirect({
      model: countedModel(),
      instructions: 'Be brief.',
      messages: [{ role: 'user', content: 'hello' }],
      maxOutputTokens: 100,
      temperature: 0,
      signal: options.signal ?? new AbortController().signal,
      onTextDelta: options.stream ? () => {} : undefined,
    });

  const samples = async () => parsePrometheusText(await metrics.scrape());
  const model = { provider_type: 'openai_compatible', model: 'gpt-test' };

  it.each([
    false,
    true,
  ])('counts a call that answers, its tokens and its cost (streamed: %s)', async (stream) => {
    stub.enqueue({ type: 'text', text: 'Hi.', usage: { inputTokens: 300, outputTokens: 200 } });
    await call({ stream });
    const scraped = await samples();
    expect(
      sampleValue(scraped, 'agentry_model_call_duration_seconds_count', { ...model, outcome: 'success' }),
    ).toBe(1);
    expect(sampleValue(scraped, 'agentry_model_tokens_total', { ...model, direction: 'input' })).toBe(300);
    expect(sampleValue(scraped, 'agentry_model_tokens_total', { ...model, direction: 'output' })).toBe(200);
    // 300 × 2 + 200 × 4 USD per million tokens.
    expect(sampleValue(scraped, 'agentry_model_cost_usd_total', model)).toBeCloseTo(0.0014, 10);
    expect(hasSample(scraped, 'agentry_model_call_errors_total')).toBe(false);
  });

  it('counts a refusal once under its code, and retried failures once after the retries', async () => {
    stub.failNext(1, 401);
    await expect(call()).rejects.toThrow();
    stub.failNext(2, 503);
    await expect(call()).rejects.toThrow();
    const scraped = await samples();
    expect(
      sampleValue(scraped, 'agentry_model_call_duration_seconds_count', { ...model, outcome: 'error' }),
    ).toBe(2);
    expect(
      sampleValue(scraped, 'agentry_model_call_errors_total', { ...model, code: 'provider_error' }),
    ).toBe(1);
    expect(
      sampleValue(scraped, 'agentry_model_call_errors_total', { ...model, code: 'provider_unavailable' }),
    ).toBe(1);
    expect(hasSample(scraped, 'agentry_model_tokens_total')).toBe(false);
  });

  it('counts a call refused by the open circuit under provider_circuit_open', async () => {
    const counted = countedModel();
    stub.failNext(4, 503);
    const once = () =>
      callModelDirect({
        model: counted,
        instructions: '',
        messages: [{ role: 'user', content: 'hello' }],
        maxOutputTokens: 10,
        temperature: 0,
        signal: new AbortController().signal,
      });
    await expect(once()).rejects.toThrow();
    await expect(once()).rejects.toThrow();
    await expect(once()).rejects.toThrow();
    const scraped = await samples();
    expect(
      sampleValue(scraped, 'agentry_model_call_errors_total', { ...model, code: 'provider_unavailable' }),
    ).toBe(2);
    expect(
      sampleValue(scraped, 'agentry_model_call_errors_total', { ...model, code: 'provider_circuit_open' }),
    ).toBe(1);
  });

  it.each([
    false,
    true,
  ])('counts a call its caller aborts as cancelled, not as an error (streamed: %s)', async (stream) => {
    stub.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const pending = call({ stream, signal: controller.signal });
    await waitFor(() => stub.requests.some((request) => request.path === '/v1/chat/completions'));
    controller.abort(new Error('the caller left'));
    await expect(pending).rejects.toThrow();
    const scraped = await samples();
    expect(
      sampleValue(scraped, 'agentry_model_call_duration_seconds_count', { ...model, outcome: 'cancelled' }),
    ).toBe(1);
    expect(hasSample(scraped, 'agentry_model_call_errors_total')).toBe(false);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

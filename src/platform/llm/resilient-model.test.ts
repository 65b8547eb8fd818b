import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../../../test/stubs/openai-stub.ts';
import { createOutboundGuard } from '../http/outbound-guard.ts';
import { CircuitOpenError, createCircuitBreaker } from '../resilience/circuit-breaker.ts';
import { createLanguageModel } from './model-factory.ts';
import { countsAgainstProvider, ModelTimeoutError, withResilience } from './resilient-model.ts';

let stub: OpenAiStub;
const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: 'sk-test-key', models: ['gpt-test'] });
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

function resilientModel(
  overrides: { timeoutMs?: number; failureThreshold?: number; maxDelayMs?: number } = {},
) {
  const breaker = createCircuitBreaker('stub', {
    failureThreshold: overrides.failureThreshold ?? 3,
    recoveryTimeoutMs: 60_000,
    countsAsFailure: countsAgainstProvider,
  });
  const model = createLanguageModel(
    { id: 'p1', name: 'stub', type: 'openai_compatible', baseUrl: stub.url, apiKey: 'sk-test-key' },
    'gpt-test',
    guard.fetch,
  );
  const retries: number[] = [];
  const resilient = withResilience(model, {
    breaker,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: overrides.maxDelayMs ?? 20 },
    timeoutMs: overrides.timeoutMs ?? 5_000,
    onRetry: (_error, attempt) => retries.push(attempt),
  });
  return { model: resilient, inner: model, breaker, retries };
}

const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');

describe('resilient model over real HTTP', () => {
  it('keeps the identity of the model it wraps', async () => {
    const { model, inner } = resilientModel();
    expect(model).toMatchObject({
      specificationVersion: 'v4',
      provider: inner.provider,
      modelId: inner.modelId,
    });
    expect(await model.supportedUrls).toEqual(await inner.supportedUrls);
  });

  it('retries a rate limit and a server error, then answers', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfterSeconds: 0 }, { type: 'error', status: 500 });
    const { model, retries } = resilientModel();
    const result = await generateText({ model, prompt: 'hello', maxRetries: 0 });
    expect(result.text).toContain('Echo: hello');
    expect(retries).toEqual([0, 1]);
    expect(completions()).toHaveLength(3);
  });

  it('does not retry a client error (400) and does not count it against the provider', async () => {
    stub.enqueue({ type: 'error', status: 400, message: 'bad request' });
    const { model, breaker } = resilientModel();
    await expect(generateText({ model, prompt: 'hello', maxRetries: 0 })).rejects.toThrow('bad request');
    expect(completions()).toHaveLength(1);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('opens the circuit after repeated failures and then fails fast without calling the provider', async () => {
    stub.failNext(6, 503);
    const { model, breaker } = resilientModel({ failureThreshold: 2 });
    for (let index = 0; index < 2; index++) {
      await expect(generateText({ model, prompt: 'hello', maxRetries: 0 })).rejects.toThrow();
    }
    expect(breaker.snapshot().state).toBe('open');
    const before = completions().length;
    await expect(generateText({ model, prompt: 'hello', maxRetries: 0 })).rejects.toThrow(CircuitOpenError);
    expect(completions()).toHaveLength(before);
  });

  it('times out a hanging provider and retries within the policy', async () => {
    stub.enqueue({ type: 'hang' }, { type: 'text', text: 'finally' });
    const { model, retries } = resilientModel({ timeoutMs: 200 });
    const result = await generateText({ model, prompt: 'hello', maxRetries: 0 });
    expect(result.text).toBe('finally');
    expect(retries).toEqual([0]);
  });

  it('reports a timeout as ModelTimeoutError once retries are exhausted', async () => {
    stub.enqueue({ type: 'hang' }, { type: 'hang' }, { type: 'hang' });
    const { model } = resilientModel({ timeoutMs: 100 });
    await expect(generateText({ model, prompt: 'hello', maxRetries: 0 })).rejects.toMatchObject({
      cause: expect.any(ModelTimeoutError),
    });
  });

  it('stops waiting for a retry when the caller aborts', async () => {
    stub.enqueue({ type: 'error', status: 429, retryAfterSeconds: 30 });
    const { model, breaker } = resilientModel({ maxDelayMs: 60_000 });
    const controller = new AbortController();
    const answer = generateText({ model, prompt: 'hello', maxRetries: 0, abortSignal: controller.signal });
    await expect.poll(() => completions().length).toBe(1);
    controller.abort();
    await expect(answer).rejects.toThrow();
    expect(completions()).toHaveLength(1);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('retries a stream that fails before it starts, then streams', async () => {
    stub.enqueue({ type: 'error', status: 502 }, { type: 'text', text: 'streamed answer here' });
    const { model } = resilientModel();
    const result = streamText({ model, prompt: 'hello', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('streamed answer here');
    expect(completions()).toHaveLength(2);
  });

  it('bounds a stream only until it starts: a slow stream may outlast the timeout', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six', chunkDelayMs: 100 });
    const { model } = resilientModel({ timeoutMs: 200 });
    const result = streamText({ model, prompt: 'hello', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('one two three four five six');
  });

  it('cancels the upstream request when the caller aborts a stream', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six seven eight', chunkDelayMs: 100 });
    const { model } = resilientModel();
    const controller = new AbortController();
    const result = streamText({ model, prompt: 'hello', maxRetries: 0, abortSignal: controller.signal });
    const received: string[] = [];
    try {
      for await (const delta of result.textStream) {
        received.push(delta);
        if (received.length === 2) controller.abort();
      }
    } catch {
      // The stream ends with the abort.
    }
    await expect.poll(() => stub.abortedRequests, { timeout: 2_000 }).toBe(1);
    expect(received.join('').length).toBeLessThan('one two three four five six seven eight'.length);
  });
});

import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Usage } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, convertReadableStreamToArray, MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../resilience/circuit-breaker.ts';
import { RetriesExhaustedError } from '../resilience/retry.ts';
import { type AnsweringModel, fallbackMiddleware } from './fallback-middleware.ts';
import { isProviderUnavailable } from './resilient-model.ts';

const usage: LanguageModelV4Usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};
const stop = { unified: 'stop', raw: 'stop' } as const;

function answering(text: string) {
  return new MockLanguageModelV4({
    modelId: text,
    doGenerate: async () => ({ content: [{ type: 'text', text }], finishReason: stop, usage, warnings: [] }),
    doStream: async () => ({
      stream: convertArrayToReadableStream([
        { type: 'text-start', id: 'text-0' },
        { type: 'text-delta', id: 'text-0', delta: text },
        { type: 'text-end', id: 'text-0' },
        { type: 'finish', finishReason: stop, usage },
      ]),
    }),
  });
}

function failing(error: unknown) {
  const fail = async () => {
    throw error;
  };
  return new MockLanguageModelV4({ modelId: 'failing', doGenerate: fail, doStream: fail });
}

function withFallback(primary: LanguageModelV4, fallback: LanguageModelV4) {
  const answers: AnsweringModel[] = [];
  const model = wrapLanguageModel({
    model: primary,
    middleware: fallbackMiddleware({
      fallback,
      shouldFallBack: isProviderUnavailable,
      onAnswer: (which) => answers.push(which),
    }),
  });
  return { model, answers };
}

const openCircuit = () => new CircuitOpenError('primary', 30_000);

describe.each(['generate', 'stream'] as const)('fallback middleware (%s)', (kind) => {
  /** The text the model answered, through doGenerate or doStream. */
  async function ask(model: LanguageModelV4, abortSignal?: AbortSignal) {
    const params: LanguageModelV4CallOptions = {
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      abortSignal,
    };
    if (kind === 'generate') {
      const { content } = await model.doGenerate(params);
      return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    }
    const { stream } = await model.doStream(params);
    const parts = await convertReadableStreamToArray(stream);
    return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
  }
  const callsOf = (model: MockLanguageModelV4) =>
    kind === 'generate' ? model.doGenerateCalls : model.doStreamCalls;

  it('lets the primary answer while it can', async () => {
    const fallback = answering('from the fallback');
    const { model, answers } = withFallback(answering('from the primary'), fallback);
    expect(await ask(model)).toBe('from the primary');
    expect(await ask(model)).toBe('from the primary');
    expect(answers).toEqual(['primary', 'primary']);
    expect(callsOf(fallback)).toHaveLength(0);
  });

  it.each([
    ['an open circuit', openCircuit()],
    ['exhausted retries', new RetriesExhaustedError(3, new Error('overloaded'))],
  ])('switches to the fallback after %s and stays on it', async (_name, error) => {
    const primary = failing(error);
    const { model, answers } = withFallback(primary, answering('from the fallback'));
    expect(await ask(model)).toBe('from the fallback');
    expect(await ask(model)).toBe('from the fallback');
    expect(answers).toEqual(['fallback', 'fallback']);
    expect(callsOf(primary)).toHaveLength(1);
  });

  it('rethrows an error the fallback cannot help with, and keeps the primary', async () => {
    const badRequest = new Error('bad request');
    const primary = failing(badRequest);
    const fallback = answering('from the fallback');
    const { model, answers } = withFallback(primary, fallback);
    await expect(ask(model)).rejects.toBe(badRequest);
    await expect(ask(model)).rejects.toBe(badRequest);
    expect(callsOf(primary)).toHaveLength(2);
    expect(callsOf(fallback)).toHaveLength(0);
    expect(answers).toEqual([]);
  });

  it('does not fall back when the caller aborted the call', async () => {
    const primary = failing(openCircuit());
    const fallback = answering('from the fallback');
    const { model } = withFallback(primary, fallback);
    const controller = new AbortController();
    controller.abort();
    await expect(ask(model, controller.signal)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(callsOf(fallback)).toHaveLength(0);
    // The aborted call did not switch the turn: the next call still tries the primary first.
    expect(await ask(model)).toBe('from the fallback');
    expect(callsOf(primary)).toHaveLength(2);
  });

  it('passes the call options to the fallback unchanged', async () => {
    const fallback = answering('from the fallback');
    const { model } = withFallback(failing(openCircuit()), fallback);
    const controller = new AbortController();
    await ask(model, controller.signal);
    expect(callsOf(fallback)[0]?.abortSignal).toBe(controller.signal);
  });
});

it('keeps the primary model as the identity of the wrapped model', () => {
  const { model } = withFallback(answering('primary-model'), answering('fallback-model'));
  expect(model).toMatchObject({
    specificationVersion: 'v4',
    provider: 'mock-provider',
    modelId: 'primary-model',
  });
});

import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generated, streamedText, streamOf, usage } from '../../../test/support/answer-turn-harness.ts';
import { type TracedProcess, traceToCollector } from '../../../test/support/traced-process.ts';
import { withCorrelationId } from './correlation.ts';
import { inSpan, tracingEnabled } from './tracing.ts';
import { tracedModel } from './tracing-model.ts';
import { withPropagatedContext } from './tracing-propagation.ts';

/**
 * The SDK registered in this process (an isolated test file: the registration is process-wide),
 * exporting to a loopback collector: model calls' spans, generated and streamed, nest under the
 * active span, record tokens or the error, and outbound calls made inside a span name it.
 */
let traced: TracedProcess;

beforeAll(async () => {
  traced = await traceToCollector('agentry-unit');
});
afterAll(async () => {
  await traced.stop();
});

async function drain(stream: ReadableStream<unknown>) {
  const reader = stream.getReader();
  for (;;) if ((await reader.read()).done) return;
}

describe('traced model calls', () => {
  it('are client spans under the active span, with the provider, model, tokens and finish reason', async () => {
    expect(tracingEnabled()).toBe(true);
    const model = tracedModel(
      new MockLanguageModelV4({
        modelId: 'mock-model',
        doGenerate: generated('Hello', usage(12, 3)),
        doStream: streamedText(['Hel', 'lo'], usage(20, 4)),
      }),
      'openai',
    );
    const parent = await inSpan('turn chat', {}, async (span) => {
      await model.doGenerate({ prompt: [] });
      const { stream } = await model.doStream({ prompt: [] });
      await drain(stream);
      return span.spanContext();
    });
    const calls = await Promise.all(
      [3, 4].map((outputTokens) =>
        traced.collector.waitForSpan(
          (span) => span.attributes['gen_ai.usage.output_tokens'] === outputTokens,
        ),
      ),
    );
    for (const call of calls) {
      expect(call).toMatchObject({
        name: 'chat mock-model',
        kind: 3,
        traceId: parent.traceId,
        parentSpanId: parent.spanId,
        serviceName: 'agentry-unit',
        status: 0,
      });
      expect(call.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'mock-model',
        'gen_ai.response.finish_reasons': ['stop'],
      });
    }
    expect(calls.map((call) => call.attributes['gen_ai.usage.input_tokens'])).toEqual([12, 20]);
  });

  it('record a failure, thrown or streamed, as an error with its type', async () => {
    const refused = Object.assign(new Error('rate limited'), { code: 'provider_rate_limited' });
    const failing = tracedModel(
      new MockLanguageModelV4({
        modelId: 'failing-model',
        doGenerate: async () => {
          throw refused;
        },
        doStream: streamOf([{ type: 'error', error: new TypeError('fetch failed') }]),
      }),
      'anthropic',
    );
    await expect(failing.doGenerate({ prompt: [] })).rejects.toThrow('rate limited');
    await drain((await failing.doStream({ prompt: [] })).stream);
    const thrown = await traced.collector.waitForSpan(
      (span) =>
        span.name === 'chat failing-model' && span.attributes['error.type'] === 'provider_rate_limited',
    );
    const streamed = await traced.collector.waitForSpan(
      (span) => span.name === 'chat failing-model' && span.attributes['error.type'] === 'TypeError',
    );
    expect([thrown.status, streamed.status]).toEqual([2, 2]);
  });
});

describe('propagation inside a span', () => {
  it('sends traceparent naming the active span, and the correlation id', async () => {
    const { init, spanId, traceId } = await withCorrelationId('request-9', () =>
      inSpan('execute_tool lookup', {}, async (span) => ({
        init: withPropagatedContext({}),
        ...span.spanContext(),
      })),
    );
    const headers = new Headers(init.headers);
    expect(headers.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect(headers.get('x-request-id')).toBe('request-9');
  });
});

import type { JSONSchema7 } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  costOf,
  generated,
  instructions,
  invoiceTool,
  llmCall,
  openStream,
  prompt,
  streamedText,
  streamedToolCall,
  turnWith,
  usage,
} from '../../../test/support/answer-turn-harness.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { LoopEvent } from './model-loop.ts';
import { repairRequest, StructuredOutputError } from './structured-output.ts';
import { answerTurn } from './turn-answer.ts';

describe('answerTurn without tools: one direct model call', () => {
  it('generates the answer from the instructions and the messages, and files and meters the call', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: generated(
        [
          { type: 'reasoning', text: 'The user means INV-7.' },
          { type: 'text', text: '  Invoice INV-7 ' },
          { type: 'text', text: 'is paid.\n' },
        ],
        usage(30, 12),
        { unified: 'length', raw: 'max_tokens' },
      ),
    });
    const turn = turnWith(model);

    expect(await answerTurn(turn.input)).toEqual({
      text: 'Invoice INV-7 is paid.',
      toolCalls: [],
      steps: 1,
      finishReason: 'length',
      structuredOutput: null,
    });
    // Exactly these options: the system instructions, then the messages, and no responseFormat.
    expect(model.doGenerateCalls).toEqual([
      { prompt, maxOutputTokens: 256, temperature: 0.2, abortSignal: turn.input.signal },
    ]);
    expect(model.doStreamCalls).toHaveLength(0);
    expect(turn.actions()).toEqual([
      llmCall({ step: 1, finishReason: 'length' }, [30, 12], {
        text_length: '  Invoice INV-7 is paid.\n'.length,
      }),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });
    expect(turn.meter.cost()).toBe(costOf(30, 12));
  });

  it('streams the answer when the caller listens, reporting each piece of text in order', async () => {
    const model = new MockLanguageModelV4({
      doStream: streamedText(['Invoice ', '', 'INV-7 ', 'is paid.\n'], usage(30, 4)),
    });
    const turn = turnWith(model);
    const answer = await answerTurn({ ...turn.input, onEvent: turn.collect });

    expect(answer).toEqual({
      text: 'Invoice INV-7 is paid.',
      toolCalls: [],
      steps: 1,
      finishReason: 'stop',
      structuredOutput: null,
    });
    expect(turn.events).toEqual([
      { type: 'text-delta', text: 'Invoice ' },
      { type: 'text-delta', text: 'INV-7 ' },
      { type: 'text-delta', text: 'is paid.\n' },
    ]);
    expect(model.doStreamCalls).toEqual([
      { prompt, maxOutputTokens: 256, temperature: 0.2, abortSignal: turn.input.signal },
    ]);
    expect(model.doGenerateCalls).toHaveLength(0);
    expect(turn.actions()).toEqual([llmCall({ step: 1 }, [30, 4], { text_length: 23 })]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 30, output_tokens: 4, total_tokens: 34 });
  });

  it('refuses an empty answer with empty_response (502), after filing and metering the call', async () => {
    const turn = turnWith(new MockLanguageModelV4({ doGenerate: generated(' \n ', usage(30, 1)) }));
    const failure = answerTurn(turn.input);

    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({
      code: 'empty_response',
      status: 502,
      category: 'third_party',
      details: { steps: 1 },
    });
    expect(turn.actions()).toEqual([llmCall({ step: 1 }, [30, 1], { text_length: 3 })]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 30, output_tokens: 1, total_tokens: 31 });
  });

  it('throws an error part of the stream as it came, and cancels the provider’s stream', async () => {
    const overloaded = new Error('overloaded');
    const { stream, state } = openStream([
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Invoice' },
      { type: 'error', error: overloaded },
    ]);
    const turn = turnWith(new MockLanguageModelV4({ doStream: { stream } }));

    await expect(answerTurn({ ...turn.input, onEvent: turn.collect })).rejects.toBe(overloaded);
    expect(state.cancelled).toBe(overloaded);
    expect(turn.events).toEqual([{ type: 'text-delta', text: 'Invoice' }]);
    expect(turn.actions()).toEqual([]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });

  it('stops at an already-aborted signal with its reason, and files nothing', async () => {
    const controller = new AbortController();
    const cancelled = new Error('turn cancelled');
    controller.abort(cancelled);
    // A provider rejects a call whose signal is aborted (fetch does).
    const refusing = new MockLanguageModelV4({
      doGenerate: async (options) => {
        options.abortSignal?.throwIfAborted();
        return generated('too late');
      },
    });
    const generateTurn = turnWith(refusing, { signal: controller.signal });
    await expect(answerTurn(generateTurn.input)).rejects.toBe(cancelled);
    expect(refusing.doGenerateCalls[0]?.abortSignal).toBe(controller.signal);
    expect(generateTurn.actions()).toEqual([]);

    // A stream that ignores the signal is cancelled before anything of it is read.
    const { stream, state } = openStream([
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'too late' },
    ]);
    const streamTurn = turnWith(new MockLanguageModelV4({ doStream: { stream } }), {
      signal: controller.signal,
    });
    await expect(answerTurn({ ...streamTurn.input, onEvent: streamTurn.collect })).rejects.toBe(cancelled);
    expect(state.cancelled).toBe(cancelled);
    expect(streamTurn.events).toEqual([]);
    expect(streamTurn.actions()).toEqual([]);
    expect(streamTurn.meter.usage()).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });

  it.each([
    ['ignores the signal (it is cancelled)', false],
    ['errors on abort, as fetch does', true],
  ])('stops mid-stream when the signal aborts and the provider’s stream %s', async (_name, errorsOnAbort) => {
    const controller = new AbortController();
    const cancelled = new Error('turn cancelled');
    const { stream, state } = openStream(
      [
        { type: 'text-start', id: 'text-1' },
        { type: 'text-delta', id: 'text-1', delta: 'Invoice' },
      ],
      errorsOnAbort ? controller.signal : undefined,
    );
    const turn = turnWith(new MockLanguageModelV4({ doStream: { stream } }), { signal: controller.signal });
    const onEvent = (event: LoopEvent) => {
      turn.collect(event);
      controller.abort(cancelled);
    };

    await expect(answerTurn({ ...turn.input, onEvent })).rejects.toBe(cancelled);
    expect(state.cancelled).toBe(errorsOnAbort ? undefined : cancelled);
    expect(turn.events).toEqual([{ type: 'text-delta', text: 'Invoice' }]);
    expect(turn.actions()).toEqual([]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });
});

/** The invoice tool, recording what it received; `behaviour` replaces its answer. */
const schema: JSONSchema7 = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'confidence'],
  additionalProperties: false,
};
const withFormat = `${instructions}\n\n# Answer format\nAnswer with only a JSON object that is valid against this JSON Schema:\n${JSON.stringify(schema)}`;
const responseFormat = { type: 'json', schema };

describe('answerTurn with a response schema', () => {
  it('returns a valid answer as structured output, in canonical JSON, without streaming it', async () => {
    const fenced = 'Here:\n```json\n{ "confidence": 0.9,\n  "category": "billing" }\n```';
    const model = new MockLanguageModelV4({ doGenerate: generated(fenced, usage(30, 12)) });
    const turn = turnWith(model, { responseSchema: schema });
    const answer = await answerTurn({ ...turn.input, onEvent: turn.collect });

    expect(answer).toEqual({
      text: '{"confidence":0.9,"category":"billing"}',
      toolCalls: [],
      steps: 1,
      finishReason: 'stop',
      structuredOutput: { confidence: 0.9, category: 'billing' },
    });
    expect(model.doGenerateCalls).toEqual([
      {
        prompt: [{ role: 'system', content: withFormat }, ...prompt.slice(1)],
        maxOutputTokens: 256,
        temperature: 0.2,
        abortSignal: turn.input.signal,
        responseFormat,
      },
    ]);
    expect(model.doStreamCalls).toHaveLength(0);
    expect(turn.events).toEqual([]);
    expect(turn.actions()).toEqual([llmCall({ step: 1 }, [30, 12], { text_length: fenced.length })]);
  });

  const problems = ['/category: must be one of "billing", "technical", "other"', '/confidence: must be <= 1'];

  it('asks once for a repair that lists the problems, and files it as a repair call', async () => {
    const first = '{"category":"sales","confidence":2}';
    const model = new MockLanguageModelV4({
      doGenerate: [
        generated(` ${first}\n`, usage(30, 12)),
        generated('{"category":"billing","confidence":0.8}', usage(50, 10), { unified: 'stop', raw: 'end' }),
      ],
    });
    const turn = turnWith(model, { responseSchema: schema });

    expect(await answerTurn(turn.input)).toEqual({
      text: '{"category":"billing","confidence":0.8}',
      toolCalls: [],
      steps: 2,
      finishReason: 'stop',
      structuredOutput: { category: 'billing', confidence: 0.8 },
    });
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(model.doGenerateCalls[1]).toEqual({
      prompt: [
        { role: 'system', content: withFormat },
        ...prompt.slice(1),
        { role: 'assistant', content: [{ type: 'text', text: first }] },
        { role: 'user', content: [{ type: 'text', text: repairRequest(problems) }] },
      ],
      maxOutputTokens: 256,
      temperature: 0.2,
      abortSignal: turn.input.signal,
      responseFormat,
    });
    expect(repairRequest(problems)).toContain('- /confidence: must be <= 1');
    expect(turn.actions()).toEqual([
      llmCall({ step: 1 }, [30, 12], { text_length: first.length + 2 }),
      llmCall({ purpose: 'repair' }, [50, 10], { text_length: 39, problems }),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 80, output_tokens: 22, total_tokens: 102 });
  });

  it('fails with invalid_structured_output when the repaired answer is still invalid', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [generated('{"category":"sales","confidence":2}'), generated('{"category":"billing"}')],
    });
    const turn = turnWith(model, { responseSchema: schema });
    const failure = answerTurn(turn.input);

    await expect(failure).rejects.toBeInstanceOf(StructuredOutputError);
    await expect(failure).rejects.toMatchObject({
      code: 'invalid_structured_output',
      status: 502,
      category: 'third_party',
      details: { problems: ["(root): must have required property 'confidence'"] },
    });
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(turn.actions().map((action) => action.actionData)).toEqual([
      expect.objectContaining({ step: 1 }),
      expect.objectContaining({ purpose: 'repair' }),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 20, output_tokens: 10, total_tokens: 30 });
  });

  it('gives the tool loop the answer format too, and validates its answer', async () => {
    const { tool } = invoiceTool();
    const model = new MockLanguageModelV4({
      doStream: [
        streamedToolCall('call-1', { number: 'INV-7' }),
        streamedText(['{"category":"billing",', '"confidence":0.7}']),
      ],
    });
    const turn = turnWith(model, { tools: [tool], responseSchema: schema });

    expect(await answerTurn(turn.input)).toMatchObject({
      text: '{"category":"billing","confidence":0.7}',
      steps: 2,
      structuredOutput: { category: 'billing', confidence: 0.7 },
    });
    expect(model.doStreamCalls.map((call) => call.prompt[0])).toEqual([
      { role: 'system', content: withFormat },
      { role: 'system', content: withFormat },
    ]);
  });
});

import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  costOf,
  invoiceTool,
  llmCall,
  prompt,
  streamedText,
  streamedToolCall,
  toolCall,
  toolContext,
  turnWith,
  usage,
} from '../../../test/support/answer-turn-harness.ts';
import { AppError } from '../../platform/http/errors.ts';
import { answerTurn } from './turn-answer.ts';

const builtin = { kind: 'builtin' };

describe('answerTurn with tools: the AI SDK tool loop', () => {
  it('runs the tool the model calls, then files the model call before the tool call it asked for', async () => {
    const { tool, received } = invoiceTool();
    const model = new MockLanguageModelV4({
      doStream: [
        streamedToolCall('call-1', { number: ' inv-7 ' }, usage(20, 8)),
        streamedText(['Invoice INV-7 ', 'totals 42. '], usage(40, 6)),
      ],
    });
    const turn = turnWith(model, { tools: [tool] });
    const answer = await answerTurn({ ...turn.input, onEvent: turn.collect });

    const output = { number: 'INV-7', total: 42 };
    expect(answer).toEqual({
      text: 'Invoice INV-7 totals 42.',
      toolCalls: [
        {
          id: 'call-1',
          name: 'lookup_invoice',
          input: { number: ' inv-7 ' },
          output,
          success: true,
          duration_ms: expect.any(Number),
          origin: builtin,
        },
      ],
      steps: 2,
      finishReason: 'stop',
      structuredOutput: null,
    });
    expect(turn.events).toEqual([
      {
        type: 'tool-call',
        id: 'call-1',
        name: 'lookup_invoice',
        input: { number: ' inv-7 ' },
        origin: builtin,
      },
      {
        type: 'tool-result',
        id: 'call-1',
        name: 'lookup_invoice',
        output,
        success: true,
        duration_ms: expect.any(Number),
        origin: builtin,
      },
      { type: 'text-delta', text: 'Invoice INV-7 ' },
      { type: 'text-delta', text: 'totals 42. ' },
    ]);
    // The tool got its input parsed by its own schema, and the turn's context with a live signal.
    expect(received).toEqual([
      {
        input: { number: 'INV-7', lines: false },
        context: { ...toolContext, signal: expect.any(AbortSignal) },
      },
    ]);
    expect(received[0]?.context.signal.aborted).toBe(false);
    expect(model.doStreamCalls[0]).toMatchObject({
      prompt,
      toolChoice: { type: 'auto' },
      tools: [{ type: 'function', name: 'lookup_invoice', inputSchema: tool.inputSchema }],
    });
    expect(model.doStreamCalls[1]?.prompt.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: [
          {
            type: 'tool-call',
            toolCallId: 'call-1',
            toolName: 'lookup_invoice',
            input: { number: ' inv-7 ' },
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call-1',
            toolName: 'lookup_invoice',
            output: { type: 'json', value: output },
          },
        ],
      },
    ]);
    expect(turn.actions()).toEqual([
      llmCall({ step: 1, finishReason: 'tool-calls' }, [20, 8], { text_length: 0 }),
      toolCall('call-1', { number: ' inv-7 ' }, { output }),
      llmCall({ step: 2 }, [40, 6], { text_length: 25 }),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 60, output_tokens: 14, total_tokens: 74 });
    expect(turn.meter.cost()).toBe(costOf(60, 14));
  });

  it.each([
    ['a tool that throws', { number: 'INV-7' }, 'the billing database is unavailable'],
    [
      'input the tool’s schema refuses (a ToolInputError)',
      { number: 7 },
      'Invalid input: number: Invalid input: expected string, received number',
    ],
  ])('hands %s back to the model as a tool error, and goes on to an answer', async (_name, input, message) => {
    const { tool, received } = invoiceTool(async () => {
      throw new Error('the billing database is unavailable');
    });
    const model = new MockLanguageModelV4({
      doStream: [streamedToolCall('call-1', input, usage(20, 8)), streamedText(['I could not look it up.'])],
    });
    const turn = turnWith(model, { tools: [tool] });
    const answer = await answerTurn({ ...turn.input, onEvent: turn.collect });

    const output = { error: message };
    expect(answer).toMatchObject({
      text: 'I could not look it up.',
      toolCalls: [{ id: 'call-1', name: 'lookup_invoice', input, output, success: false }],
      steps: 2,
    });
    expect(turn.events.filter((event) => event.type === 'tool-result')).toEqual([
      {
        type: 'tool-result',
        id: 'call-1',
        name: 'lookup_invoice',
        output,
        success: false,
        duration_ms: expect.any(Number),
        origin: builtin,
      },
    ]);
    expect(received).toHaveLength(typeof input.number === 'string' ? 1 : 0);
    expect(model.doStreamCalls[1]?.prompt.at(-1)).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call-1',
          toolName: 'lookup_invoice',
          output: { type: 'error-text', value: expect.stringContaining(message) },
        },
      ],
    });
    expect(turn.actions()).toEqual([
      llmCall({ step: 1, finishReason: 'tool-calls' }, [20, 8], { text_length: 0 }),
      toolCall('call-1', input, output, false),
      llmCall({ step: 2 }, [10, 5], { text_length: 23 }),
    ]);
  });

  it('forbids tools on the last of maxSteps model calls, so that the model answers', async () => {
    const { tool, received } = invoiceTool();
    const model = new MockLanguageModelV4({
      doStream: [
        streamedToolCall('call-1', { number: 'INV-7' }),
        streamedToolCall('call-2', { number: 'INV-8' }),
        streamedText(['Both invoices total 42.']),
      ],
    });
    const turn = turnWith(model, { tools: [tool], maxSteps: 3 });

    expect(await answerTurn(turn.input)).toMatchObject({ text: 'Both invoices total 42.', steps: 3 });
    expect(model.doStreamCalls.map((call) => call.toolChoice)).toEqual([
      { type: 'auto' },
      { type: 'auto' },
      { type: 'none' },
    ]);
    expect(received).toHaveLength(2);
    expect(turn.actions().map((action) => [action.actionType, action.actionData.step])).toEqual([
      ['llm_call', 1],
      ['tool_call', undefined],
      ['llm_call', 2],
      ['tool_call', undefined],
      ['llm_call', 3],
    ]);
  });

  it('fails with max_iterations_reached when the model calls a tool even on the last step', async () => {
    const { tool, received } = invoiceTool();
    const model = new MockLanguageModelV4({
      doStream: [
        streamedToolCall('call-1', { number: 'INV-7' }, usage(20, 8)),
        streamedToolCall('call-2', { number: 'INV-8' }, usage(30, 8)),
      ],
    });
    const turn = turnWith(model, { tools: [tool], maxSteps: 2 });
    const failure = answerTurn({ ...turn.input, onEvent: turn.collect });

    await expect(failure).rejects.toBeInstanceOf(AppError);
    await expect(failure).rejects.toMatchObject({
      code: 'max_iterations_reached',
      status: 502,
      category: 'third_party',
      details: { steps: 2 },
    });
    expect(model.doStreamCalls.map((call) => call.toolChoice)).toEqual([{ type: 'auto' }, { type: 'none' }]);
    // The forbidden call is not run.
    expect(received).toHaveLength(1);
    expect(turn.events.map((event) => [event.type, 'id' in event ? event.id : null])).toEqual([
      ['tool-call', 'call-1'],
      ['tool-result', 'call-1'],
    ]);
    expect(turn.actions()).toEqual([
      llmCall({ step: 1, finishReason: 'tool-calls' }, [20, 8], { text_length: 0 }),
      toolCall('call-1', { number: 'INV-7' }, { output: { number: 'INV-7', total: 42 } }),
      llmCall({ step: 2, finishReason: 'error' }, [30, 8], { text_length: 0 }),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 50, output_tokens: 16, total_tokens: 66 });
  });

  it('throws the signal’s reason when the turn is aborted during a tool, keeping the model call', async () => {
    const controller = new AbortController();
    const cancelled = new Error('turn cancelled');
    const { tool, received } = invoiceTool(
      (context) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true });
          setTimeout(() => controller.abort(cancelled), 5);
        }),
    );
    const model = new MockLanguageModelV4({
      doStream: [streamedToolCall('call-1', { number: 'INV-7' }, usage(20, 8)), streamedText(['never'])],
    });
    const turn = turnWith(model, { tools: [tool], signal: controller.signal });

    await expect(answerTurn({ ...turn.input, onEvent: turn.collect })).rejects.toBe(cancelled);
    expect(received[0]?.context.signal.aborted).toBe(true);
    expect(model.doStreamCalls).toHaveLength(1);
    expect(turn.events).toEqual([
      {
        type: 'tool-call',
        id: 'call-1',
        name: 'lookup_invoice',
        input: { number: 'INV-7' },
        origin: builtin,
      },
    ]);
    // The model call was made and paid for before the tool ran: it is filed and metered.
    expect(turn.actions()).toEqual([
      llmCall({ step: 1, finishReason: 'tool-calls' }, [20, 8], { text_length: 0 }),
      toolCall('call-1', { number: 'INV-7' }, { error: 'turn cancelled' }, false),
    ]);
    expect(turn.meter.usage()).toEqual({ input_tokens: 20, output_tokens: 8, total_tokens: 28 });
  });

  it('refuses an empty answer after the tools with empty_response', async () => {
    const { tool } = invoiceTool();
    const model = new MockLanguageModelV4({
      doStream: [streamedToolCall('call-1', { number: 'INV-7' }), streamedText([' ', '\n'])],
    });
    const turn = turnWith(model, { tools: [tool] });

    await expect(answerTurn(turn.input)).rejects.toMatchObject({
      code: 'empty_response',
      status: 502,
      details: { steps: 2 },
    });
    expect(turn.actions().map((action) => action.actionType)).toEqual(['llm_call', 'tool_call', 'llm_call']);
  });
});

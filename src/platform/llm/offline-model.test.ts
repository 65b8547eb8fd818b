import { generateText, jsonSchema, Output, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from './json-schema-validator.ts';
import { createOfflineModel, OFFLINE_PREFIX } from './offline-model.ts';

const system =
  'You are the support agent of Acme Cloud. Refunds are processed within 5 business days. Our office is in Lyon.';

const ticketSchema = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'refund', 'other'] },
    days: { type: 'integer', minimum: 1, maximum: 30 },
    summary: { type: 'string', maxLength: 200 },
  },
  required: ['category', 'days', 'summary'],
  additionalProperties: false,
} as const;

const currentTime = () =>
  tool({
    description: 'The current time',
    inputSchema: jsonSchema<{ timezone?: string }>({
      type: 'object',
      properties: { timezone: { type: 'string' } },
    }),
    execute: async () => ({ iso: '2026-11-21T12:00:00.000Z' }),
  });

describe('offline model', () => {
  it('answers deterministically, says what it is, and quotes the most relevant passage', async () => {
    const ask = () =>
      generateText({
        model: createOfflineModel(),
        system,
        prompt: 'How long do refunds take to be processed?',
      });
    const [first, second] = await Promise.all([ask(), ask()]);
    expect(first.text).toBe(second.text);
    expect(first.text.startsWith(OFFLINE_PREFIX)).toBe(true);
    expect(first.text).toContain('Most relevant: "Refunds are processed within 5 business days."');
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
    expect(first.finishReason).toBe('stop');
  });

  it('says when nothing in its context matches', async () => {
    const result = await generateText({
      model: createOfflineModel(),
      system,
      prompt: 'Quantum chromodynamics?',
    });
    expect(result.text).toContain('Nothing in my context matches that yet.');
  });

  it('streams the same answer word by word', async () => {
    const prompt = 'Where is your office?';
    const whole = await generateText({ model: createOfflineModel(), system, prompt });
    const stream = streamText({ model: createOfflineModel(), system, prompt });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(whole.text);
    expect(deltas.join('')).toContain('Our office is in Lyon.');
  });

  it('calls a tool the user names, then answers with its result', async () => {
    const calls: unknown[] = [];
    const result = await generateText({
      model: createOfflineModel(),
      system,
      prompt: 'Please use current_time for me',
      stopWhen: stepCountIs(3),
      tools: {
        current_time: tool({
          description: 'The current time',
          inputSchema: jsonSchema<{ timezone?: string }>({
            type: 'object',
            properties: { timezone: { type: 'string' } },
          }),
          execute: async (input) => {
            calls.push(input);
            return { iso: '2026-11-21T12:00:00.000Z' };
          },
        }),
      },
    });
    expect(calls).toEqual([{ timezone: 'Please use current_time for me' }]);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toContain('The current_time tool returned: {"iso":"2026-11-21T12:00:00.000Z"}');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client went away'));
    await expect(
      generateText({ model: createOfflineModel(), prompt: 'hello', abortSignal: controller.signal }),
    ).rejects.toThrow();
  });

  it('answers a JSON schema with a valid object built from its context, calling no tools', async () => {
    const ask = () =>
      generateText({
        model: createOfflineModel(),
        system,
        prompt: 'Please use current_time: how long until my refund arrives?',
        tools: { current_time: currentTime() },
        output: Output.object({ schema: jsonSchema<Record<string, unknown>>(ticketSchema) }),
      });
    const [first, second] = await Promise.all([ask(), ask()]);
    expect(first.toolCalls).toEqual([]);
    expect(first.text).toBe(second.text);
    expect(JSON.parse(first.text)).toEqual(first.output);
    expect(first.output).toEqual({
      category: 'refund',
      days: 5,
      summary: 'Refunds are processed within 5 business days.',
    });
    expect(validateAgainstSchema(ticketSchema, first.output)).toEqual({ valid: true });
  });

  it('streams the same JSON answer', async () => {
    const prompt = 'How long do refunds take?';
    const output = Output.object({ schema: jsonSchema<Record<string, unknown>>(ticketSchema) });
    const whole = await generateText({ model: createOfflineModel(), system, prompt, output });
    const stream = streamText({ model: createOfflineModel(), system, prompt, output });
    let text = '';
    for await (const delta of stream.textStream) text += delta;
    expect(text).toBe(whole.text);
    expect(await stream.output).toEqual(whole.output);
  });

  it('wraps its usual answer in an object when asked for JSON without a schema', async () => {
    const model = createOfflineModel();
    const result = await model.doGenerate({
      prompt: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: 'Where is your office?' }] },
      ],
      responseFormat: { type: 'json' },
    });
    const [part] = result.content;
    const answer = JSON.parse(part?.type === 'text' ? part.text : '{}');
    expect(Object.keys(answer)).toEqual(['answer']);
    expect(answer.answer).toMatch(/^\[offline model\]/);
    expect(answer.answer).toContain('Our office is in Lyon.');
  });
});

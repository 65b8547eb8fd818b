import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AnthropicStub, startAnthropicStub } from './anthropic-stub.ts';
import { echoText } from './stub-server.ts';

const API_KEY = 'sk-ant-stub-key';

let stub: AnthropicStub;
let client: Anthropic;

beforeAll(async () => {
  stub = await startAnthropicStub({ apiKey: API_KEY, models: ['claude-stub', 'claude-stub-haiku'] });
  client = new Anthropic({ apiKey: API_KEY, baseURL: stub.url, maxRetries: 0 });
});
afterEach(() => stub.reset());
afterAll(() => stub.close());

const hello = {
  model: 'claude-stub',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'hello there' }],
};
const weatherTool = {
  name: 'get_weather',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Anthropic stub, spoken to by the official client', () => {
  it('answers a plain message with the echo and records what was sent', async () => {
    const message = await client.messages.create({ ...hello, system: 'Be brief.', stop_sequences: ['END'] });

    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-stub',
      content: [{ type: 'text', text: echoText('hello there', 'claude-stub') }],
      stop_reason: 'end_turn',
    });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/messages',
      headers: { authorization: `Bearer ${API_KEY}`, 'anthropic-version': expect.any(String) },
      body: { ...hello, system: 'Be brief.', stop_sequences: ['END'] },
    });
  });

  it('answers a queued reply once, then the default again, and reports max_tokens', async () => {
    stub.enqueue({ type: 'text', text: 'cut short', truncated: true });

    const first = await client.messages.create(hello);
    const second = await client.messages.create(hello);

    expect(first).toMatchObject({
      content: [{ type: 'text', text: 'cut short' }],
      stop_reason: 'max_tokens',
    });
    expect(second.content).toEqual([{ type: 'text', text: echoText('hello there', 'claude-stub') }]);
  });

  it('streams the real event sequence with text in several deltas', async () => {
    const stream = await client.messages.create({ ...hello, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);

    const types = events.map((event) => event.type);
    expect(types[0]).toBe('message_start');
    expect(types.slice(1, 2)).toEqual(['content_block_start']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const texts = events.flatMap((event) =>
      event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? [event.delta.text] : [],
    );
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.join('')).toBe(echoText('hello there', 'claude-stub'));
    const delta = events.find((event) => event.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('end_turn');
    expect(delta?.type === 'message_delta' && delta.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams a tool use in input_json_delta fragments that the client reassembles', async () => {
    const input = { city: 'Paris', units: 'celsius' };
    stub.enqueue({
      type: 'tool-calls',
      text: 'Let me check.',
      toolCalls: [{ name: 'get_weather', arguments: input }],
    });

    const stream = client.messages.stream({ ...hello, tools: [weatherTool] });
    let fragments = 0;
    stream.on('inputJson', () => {
      fragments += 1;
    });
    const message = await stream.finalMessage();

    expect(fragments).toBeGreaterThan(2);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Let me check.' });
    expect(message.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input,
      id: expect.stringMatching(/^toolu_/),
    });
    expect(stub.requests[0]?.body).toMatchObject({ tools: [weatherTool], stream: true });
  });

  it('surfaces a 429 as an APIError with status, error type and retry-after', async () => {
    stub.failNext(1, 429);

    const error = await client.messages.create(hello).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(429);
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(apiError.headers?.get('retry-after')).toBe('1');
  });

  it('lets a retrying client through once the queued failures are used up', async () => {
    stub.failNext(1, 529);

    const message = await client.messages.create(hello, { maxRetries: 1 });

    expect(message.content).toEqual([{ type: 'text', text: echoText('hello there', 'claude-stub') }]);
    expect(stub.requests).toHaveLength(2);
  });

  it('rejects a wrong x-api-key with 401 and the Anthropic error body', async () => {
    const intruder = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: stub.url, maxRetries: 0 });

    const error = await intruder.messages.create(hello).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: 'authentication_error' },
    });
  });

  it('accepts the key as x-api-key, as other Anthropic clients send it', async () => {
    const response = await fetch(`${stub.v1Url}/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': API_KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify(hello),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', stop_reason: 'end_turn' });
  });

  it('lists the configured models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);

    expect(models.map((model) => model.id)).toEqual(['claude-stub', 'claude-stub-haiku']);
    expect(models[0]).toMatchObject({ type: 'model', display_name: 'claude-stub' });
  });

  it('counts a client abort of a hanging request', async () => {
    stub.enqueue({ type: 'hang' });
    const controller = new AbortController();

    const pending = client.messages.create(hello, { signal: controller.signal });
    await vi.waitFor(() => expect(stub.requests).toHaveLength(1));
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await vi.waitFor(() => expect(stub.abortedRequests).toBe(1));
  });

  it('counts a client abort in the middle of a slow stream', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six', chunkDelayMs: 100 });

    const stream = client.messages.stream(hello);
    stream.on('text', () => stream.abort());

    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await vi.waitFor(() => expect(stub.abortedRequests).toBe(1));
  });

  it('breaks a stream mid-way without counting it as a client abort', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six', breakAfterChunks: 5 });

    const stream = client.messages.stream(hello);
    const received: string[] = [];
    stream.on('text', (text) => received.push(text));

    await expect(stream.finalMessage()).rejects.toThrow();
    expect(received).toEqual(['one ', 'two ']);
    expect(stub.abortedRequests).toBe(0);
  });
});

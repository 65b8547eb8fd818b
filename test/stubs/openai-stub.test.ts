import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './openai-stub.ts';
import { echoText } from './stub-server.ts';

const API_KEY = 'sk-stub-key';

let stub: OpenAiStub;
let client: OpenAI;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['gpt-stub', 'gpt-stub-mini'] });
  client = new OpenAI({ apiKey: API_KEY, baseURL: stub.url, maxRetries: 0 });
});
afterEach(() => stub.reset());
afterAll(() => stub.close());

const hello = { model: 'gpt-stub', messages: [{ role: 'user' as const, content: 'hello there' }] };
const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('OpenAI stub, spoken to by the official client', () => {
  it('answers a plain completion with the echo and records what was sent', async () => {
    const completion = await client.chat.completions.create({ ...hello, temperature: 0.2 });

    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-stub');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: echoText('hello there', 'gpt-stub'),
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = completion.usage;
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: { ...hello, temperature: 0.2 },
    });
  });

  it('answers a queued reply once, then the default again, and reports truncation', async () => {
    stub.enqueue({ type: 'text', text: 'cut short', truncated: true });

    const first = await client.chat.completions.create(hello);
    const second = await client.chat.completions.create(hello);

    expect(first.choices[0]).toMatchObject({ message: { content: 'cut short' }, finish_reason: 'length' });
    expect(second.choices[0]?.message.content).toBe(echoText('hello there', 'gpt-stub'));
  });

  it('streams content in several deltas and usage in a last chunk without choices', async () => {
    const stream = await client.chat.completions.create({
      ...hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const contents = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ''));
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(contents.filter(Boolean).length).toBeGreaterThan(2);
    expect(contents.join('')).toBe(echoText('hello there', 'gpt-stub'));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams a tool call in fragments that the client reassembles', async () => {
    const input = { city: 'Paris', units: 'celsius' };
    stub.enqueue({ type: 'tool-calls', toolCalls: [{ name: 'get_weather', arguments: input }] });

    const stream = client.chat.completions.stream({ ...hello, tools: [weatherTool] });
    let fragments = 0;
    for await (const chunk of stream) fragments += chunk.choices[0]?.delta.tool_calls?.length ?? 0;
    const completion = await stream.finalChatCompletion();

    expect(fragments).toBeGreaterThan(2);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const toolCall = choice?.message.tool_calls?.[0];
    expect(toolCall?.type === 'function' && toolCall.function.name).toBe('get_weather');
    expect(toolCall?.type === 'function' && JSON.parse(toolCall.function.arguments)).toEqual(input);
    expect(toolCall?.id).toMatch(/^call_/);
    expect(stub.requests[0]?.body).toMatchObject({ tools: [weatherTool], stream: true });
  });

  it('surfaces a 429 as an APIError with status, error code and retry-after', async () => {
    stub.failNext(1, 429);

    const error = await client.chat.completions.create(hello).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(429);
    expect(apiError.code).toBe('rate_limit_exceeded');
    expect(apiError.headers?.get('retry-after')).toBe('1');
  });

  it('lets a retrying client through once the queued failures are used up', async () => {
    stub.failNext(1, 500);

    const completion = await client.chat.completions.create(hello, { maxRetries: 1 });

    expect(completion.choices[0]?.message.content).toBe(echoText('hello there', 'gpt-stub'));
    expect(stub.requests).toHaveLength(2);
  });

  it('rejects a wrong bearer key with 401 and the OpenAI error body', async () => {
    const intruder = new OpenAI({ apiKey: 'sk-wrong', baseURL: stub.url, maxRetries: 0 });

    const error = await intruder.chat.completions.create(hello).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
  });

  it('lists the configured models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);

    expect(ids).toEqual(['gpt-stub', 'gpt-stub-mini']);
  });

  it('fails the next model lists on request, then lists again', async () => {
    stub.failNextModelLists(1, 500);

    const error = await client.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-stub', 'gpt-stub-mini']);
  });

  it('returns deterministic embeddings', async () => {
    const first = await client.embeddings.create({ model: 'text-embedding-stub', input: ['alpha', 'beta'] });
    const again = await client.embeddings.create({
      model: 'text-embedding-stub',
      input: 'alpha',
      dimensions: 16,
    });

    expect(first.data.map((item) => item.embedding.length)).toEqual([16, 16]);
    expect(Array.from(again.data[0]?.embedding ?? [])).toEqual(Array.from(first.data[0]?.embedding ?? []));
    expect(first.data[1]?.embedding).not.toEqual(first.data[0]?.embedding);
  });

  it('counts a client abort of a hanging request', async () => {
    stub.enqueue({ type: 'hang' });
    const controller = new AbortController();

    const pending = client.chat.completions.create(hello, { signal: controller.signal });
    await vi.waitFor(() => expect(stub.requests).toHaveLength(1));
    controller.abort();

    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(stub.abortedRequests).toBe(1));
  });

  it('counts a client abort in the middle of a slow stream', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six', chunkDelayMs: 100 });

    const stream = await client.chat.completions.create({ ...hello, stream: true });
    for await (const _chunk of stream) break;

    await vi.waitFor(() => expect(stub.abortedRequests).toBe(1));
  });

  it('times out a client waiting on a hanging request', async () => {
    stub.enqueue({ type: 'hang' });

    const pending = client.chat.completions.create(hello, { timeout: 200 });

    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await vi.waitFor(() => expect(stub.abortedRequests).toBe(1));
  });

  it('closes while a request hangs on a keep-alive connection', async () => {
    const closing = await startOpenAiStub();
    closing.enqueue({ type: 'hang' });
    const pending = new OpenAI({ apiKey: 'any', baseURL: closing.url, maxRetries: 0 }).chat.completions
      .create(hello)
      .catch((caught: unknown) => caught);
    await vi.waitFor(() => expect(closing.requests).toHaveLength(1));

    await closing.close();

    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(closing.abortedRequests).toBe(0);
  });

  it('breaks a stream mid-way without counting it as a client abort', async () => {
    stub.enqueue({ type: 'text', text: 'one two three four five six', breakAfterChunks: 3 });

    const stream = await client.chat.completions.create({ ...hello, stream: true });
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })();

    await expect(reading).rejects.toThrow();
    expect(received).toEqual(['', 'one ', 'two ']);
    expect(stub.abortedRequests).toBe(0);
  });
});

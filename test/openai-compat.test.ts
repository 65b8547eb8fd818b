import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  UnprocessableEntityError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OFFLINE_PREFIX } from '../src/platform/llm/offline-model.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { waitUntilConnected } from './support/provider-validation.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The OpenAI-compatible facade, driven by the official `openai` client pointed at Agentry: the
 * organization's agents are the models. `owner`'s organization has no provider, so its agents
 * answer with the offline model (deterministic); `integrator`'s default provider is an OpenAI
 * stub, which shows what an agent's configuration makes the real model see.
 */
const STUB_KEY = 'sk-stub-key-0123456789';
const REFUND_PROMPT =
  'You are the support agent of Acme Cloud. Refunds are processed within 5 business days.';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let integrator: TestAccount;
let ownerKey: { id: string; key: string };
let readonlyKey: string;
let integratorKey: string;

const as = (account: TestAccount) => ({ token: account.token });
const clientFor = (apiKey: string) => new OpenAI({ baseURL: `${app.url}/v1`, apiKey, maxRetries: 0 });
const runIdOf = (completionId: string) => completionId.replace(/^chatcmpl-/, '');

async function createKey(account: TestAccount, body: Record<string, unknown> = {}) {
  const response = await app.http.post('/api/v1/api-keys', { name: 'openai client', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; key: string };
}

async function createAgent(body: Record<string, unknown>, account = owner) {
  const response = await app.http.post('/api/v1/agents', { name: 'Support', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; name: string; created_at: string };
}

const getRun = async (runId: string, account = owner) =>
  (await app.http.get(`/api/v1/runs/${runId}`, as(account))).body;
const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The error a promise rejects with, to assert on its class and fields. */
async function failureOf(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    return error as APIError;
  }
  throw new Error('expected the call to fail');
}

/** Waits for the provider's background validation, so that its model list call is behind us. */
const validated = (providerId: string) => waitUntilConnected(app.http, providerId, as(integrator));

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: STUB_KEY, models: ['gpt-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Owner');
  integrator = await registerAccount(app.http, 'Integrator');
  ownerKey = await createKey(owner);
  readonlyKey = (await createKey(owner, { role: 'readonly' })).key;
  integratorKey = (await createKey(integrator)).key;
  // The organization's first provider becomes its default: every integrator agent uses the stub.
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: STUB_KEY },
    as(integrator),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
  await validated(provider.body.id);
});
afterAll(async () => {
  await app.close();
  await stub.close();
});
beforeEach(() => stub.reset());

describe('models', () => {
  it('lists the organization’s active agents as models, and retrieves one by id or name', async () => {
    const listed = await createAgent({ name: 'Listed agent' });
    const inactive = await createAgent({ name: 'Resting agent' });
    await app.http.patch(`/api/v1/agents/${inactive.id}`, { status: 'inactive' }, as(owner));
    const theirs = await createAgent({ name: 'Their agent' }, integrator);

    const client = clientFor(ownerKey.key);
    const models = (await client.models.list()).data;
    const ids = models.map((model) => model.id);
    expect(ids).toContain(listed.id);
    expect(ids).not.toContain(inactive.id);
    expect(ids).not.toContain(theirs.id);
    const expected = {
      id: listed.id,
      object: 'model',
      created: Math.floor(Date.parse(listed.created_at) / 1000),
      owned_by: 'agentry',
      name: 'Listed agent',
    };
    expect(models.find((model) => model.id === listed.id)).toEqual(expected);
    expect(await client.models.retrieve(listed.id)).toEqual(expected);
    expect(await client.models.retrieve('Listed agent')).toEqual(expected);
    expect(await failureOf(client.models.retrieve(inactive.id))).toBeInstanceOf(NotFoundError);
  });

  it('accepts an access token as well as an API key', async () => {
    const models = (await clientFor(owner.token).models.list()).data;
    expect(models.length).toBeGreaterThan(0);
  });
});

describe('chat completions with the offline model', () => {
  it('answers as the agent, shaped by its prompt, and records a run with trigger api and no session', async () => {
    const agent = await createAgent({ prompt: REFUND_PROMPT, show_suggestions_after_each_message: true });
    const client = clientFor(ownerKey.key);
    const completion = await client.chat.completions.create({
      model: agent.id,
      messages: [{ role: 'user', content: 'How long do refunds take?' }],
      user: 'customer-7',
    });
    expect(completion).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: agent.id,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: expect.stringContaining(OFFLINE_PREFIX), refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
        total_tokens: expect.any(Number),
      },
    });
    const content = completion.choices[0]?.message.content;
    expect(content).toContain('Most relevant: "Refunds are processed within 5 business days."');
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
    const usage = completion.usage;
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));

    const run = await getRun(runIdOf(completion.id));
    expect(run).toMatchObject({
      agent_id: agent.id,
      trigger: 'api',
      session_id: null,
      status: 'completed',
      input: { message: 'How long do refunds take?', history: [], metadata: { user: 'customer-7' } },
      output: content,
      usage: {
        input_tokens: usage?.prompt_tokens,
        output_tokens: usage?.completion_tokens,
        total_tokens: usage?.total_tokens,
      },
      model: 'agentry-offline',
      created_by_api_key_id: ownerKey.id,
    });
    // Suggestions belong to chat sessions: one model call, then the response.
    expect(run.actions.map((action: { action_type: string }) => action.action_type)).toEqual([
      'llm_call',
      'chat_response',
    ]);
    const sessions = await app.http.get(`/api/v1/sessions?agent_id=${agent.id}`, as(owner));
    expect(sessions.body).toEqual([]);
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agent.id}&trigger=api`, as(owner));
    expect(runs.body.map((listed: { id: string }) => listed.id)).toEqual([run.id]);
    const after = (await app.http.get(`/api/v1/agents/${agent.id}`, as(owner))).body;
    expect(after).toMatchObject({ interaction_count: 1, runtime: { state: 'idle' } });
  });

  it('takes the conversation from the client: text parts, history, and system messages', async () => {
    const agent = await createAgent({ prompt: REFUND_PROMPT, name: 'History agent' });
    const completion = await clientFor(ownerKey.key).chat.completions.create({
      model: 'History agent',
      messages: [
        { role: 'system', content: 'Always mention the ticket number.' },
        { role: 'user', content: [{ type: 'text', text: 'My order number is 4711.' }] },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: 'What was my order number?' },
      ],
    });
    expect(completion.model).toBe(agent.id);
    expect(completion.choices[0]?.message.content).toContain('My order number is 4711.');
    const run = await getRun(runIdOf(completion.id));
    expect(run.input).toEqual({
      message: 'What was my order number?',
      history: [
        { role: 'system', content: 'Always mention the ticket number.' },
        { role: 'user', content: 'My order number is 4711.' },
        { role: 'assistant', content: 'Noted.' },
      ],
    });
  });

  it('streams chunks: the role first, the content, the finish reason, the usage, then [DONE]', async () => {
    const agent = await createAgent({ prompt: REFUND_PROMPT });
    const client = clientFor(ownerKey.key);
    const request = {
      model: agent.id,
      messages: [{ role: 'user' as const, content: 'How long do refunds take?' }],
    };
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks.length).toBeGreaterThan(5);
    const first = chunks[0];
    expect(first).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion.chunk',
      model: agent.id,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      usage: null,
    });
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(new Set([first?.id]));
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
    expect(chunks.at(-2)?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.trim()).toContain('Most relevant: "Refunds are processed within 5 business days."');

    const run = await getRun(runIdOf(first?.id ?? ''));
    expect(run).toMatchObject({ status: 'completed', trigger: 'api', output: text.trim() });
    expect(run.usage.total_tokens).toBe(usageChunk?.usage?.total_tokens);

    // On the wire: unnamed events (as OpenAI sends them), ending with [DONE].
    const raw = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    expect(raw.headers.get('content-type')).toContain('text/event-stream');
    const wire = await raw.text();
    expect(wire).not.toMatch(/^event:/m);
    expect(wire.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(wire).not.toContain('"usage"');

    // The client's stream helper assembles the same answer.
    const helper = client.chat.completions.stream(request);
    const final = await helper.finalChatCompletion();
    expect(final.choices[0]?.message).toMatchObject({ role: 'assistant', content: text });
    expect(final.model).toBe(agent.id);
  });

  it('calls the agent’s own tools server-side and returns only the answer', async () => {
    const agent = await createAgent({ tools: ['current_time'] });
    const completion = await clientFor(ownerKey.key).chat.completions.create({
      model: agent.id,
      messages: [{ role: 'user', content: 'Please use current_time for me' }],
    });
    expect(completion.choices[0]?.message.content).toContain('The current_time tool returned:');
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    const run = await getRun(runIdOf(completion.id));
    expect(run.actions.map((action: { action_type: string }) => action.action_type)).toEqual([
      'llm_call',
      'tool_call',
      'llm_call',
      'chat_response',
    ]);
  });

  it('accepts the optional OpenAI fields it does not use', async () => {
    const agent = await createAgent({});
    const completion = await clientFor(ownerKey.key).chat.completions.create({
      model: agent.id,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
      temperature: 0.3,
      max_completion_tokens: 500,
      n: 1,
      seed: 42,
      top_p: 0.9,
      presence_penalty: 0,
      frequency_penalty: 0,
      logprobs: false,
      stop: ['\n\n\n'],
      response_format: { type: 'text' },
      metadata: { source: 'sdk' },
      store: false,
      parallel_tool_calls: false,
      tools: [{ type: 'function', function: { name: 'client_side', parameters: { type: 'object' } } }],
    });
    expect(completion.choices[0]?.message.content).toContain(OFFLINE_PREFIX);
  });
});

describe('the agent’s configuration shapes what its model sees', () => {
  it('sends the agent’s system prompt, then the client’s system message, then the client’s conversation', async () => {
    const agent = await createAgent(
      {
        name: 'Stubby',
        prompt: 'You are Stubby, the support agent.',
        model: 'gpt-stub',
        temperature: 0.2,
        response_length: 'brief',
        tools: ['current_time'],
        show_suggestions_after_each_message: true,
      },
      integrator,
    );
    const client = clientFor(integratorKey);
    const completion = await client.chat.completions.create({
      model: 'Stubby',
      messages: [
        { role: 'system', content: 'Reply in one word.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'Echo: first question [gpt-stub]' },
        { role: 'user', content: 'second question' },
      ],
      max_tokens: 100,
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: second question [gpt-stub]');
    expect(completion.model).toBe(agent.id);
    // No suggestions call: one completion reached the provider.
    expect(completions()).toHaveLength(1);
    const sent = completions()[0]?.body as Record<string, any>;
    expect(sent).toMatchObject({ model: 'gpt-stub', temperature: 0.2, max_tokens: 100 });
    expect(sent.tools).toEqual([
      expect.objectContaining({ function: expect.objectContaining({ name: 'current_time' }) }),
    ]);
    const messages = sent.messages as { role: string; content: string }[];
    expect(messages[0]?.role).toBe('system');
    const system = messages[0]?.content ?? '';
    expect(system.startsWith('You are Stubby, the support agent.')).toBe(true);
    expect(system).toContain('Keep your answers brief');
    expect(system.endsWith('Reply in one word.')).toBe(true);
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'Echo: first question [gpt-stub]' },
      { role: 'user', content: 'second question' },
    ]);
    const run = await getRun(runIdOf(completion.id), integrator);
    expect(run).toMatchObject({ trigger: 'api', model: 'gpt-stub', provider_name: 'Stub' });
  });

  it('lets the client lower the output cap, never raise it, and set the temperature; reports a cut answer', async () => {
    const agent = await createAgent({ model: 'gpt-stub', response_length: 'brief' }, integrator);
    const client = clientFor(integratorKey);
    stub.enqueue({ type: 'text', text: 'A cut answer', truncated: true });
    const completion = await client.chat.completions.create({
      model: agent.id,
      messages: [{ role: 'user', content: 'Tell me everything' }],
      max_tokens: 5_000,
      temperature: 1.5,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completions()[0]?.body).toMatchObject({ max_tokens: 256, temperature: 1.5 });
  });

  it('reports a provider failure after the stream started as an error event', async () => {
    const agent = await createAgent({ model: 'gpt-stub' }, integrator);
    stub.failNext(1, 400);
    const stream = await clientFor(integratorKey).chat.completions.create({
      model: agent.id,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    const failure = await failureOf(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
    );
    expect(failure).toBeInstanceOf(APIError);
    expect(failure).toMatchObject({ code: 'provider_error', type: 'server_error' });
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const run = await getRun(runIdOf(chunks[0]?.id ?? ''), integrator);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'provider_error' } });
  });

  it('cancels the turn when the client aborts the stream', async () => {
    const agent = await createAgent({ model: 'gpt-stub' }, integrator);
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    stub.enqueue({ type: 'text', text: words, chunkDelayMs: 100 });
    const stream = await clientFor(integratorKey).chat.completions.create({
      model: agent.id,
      messages: [{ role: 'user', content: 'talk for a while' }],
      stream: true,
    });
    let runId = '';
    let contentChunks = 0;
    for await (const chunk of stream) {
      runId = runIdOf(chunk.id);
      if (chunk.choices[0]?.delta.content) contentChunks += 1;
      // Leaving the loop aborts the request: the client closes the connection.
      if (contentChunks === 2) break;
    }
    await expect.poll(() => stub.abortedRequests, { timeout: 5_000 }).toBe(1);
    await expect
      .poll(async () => (await getRun(runId, integrator)).status, { timeout: 5_000 })
      .toBe('cancelled');
    expect(await getRun(runId, integrator)).toMatchObject({ error: { code: 'cancelled' }, session_id: null });
    const after = (await app.http.get(`/api/v1/agents/${agent.id}`, as(integrator))).body;
    expect(after).toMatchObject({
      interaction_count: 0,
      runtime: { state: 'idle', consecutive_failures: 0 },
    });
  });
});

describe('models by name', () => {
  it('asks for the id when several active agents share the name', async () => {
    const first = await createAgent({ name: 'Twin' });
    const second = await createAgent({ name: 'Twin' });
    const client = clientFor(ownerKey.key);
    const request = { model: 'Twin', messages: [{ role: 'user' as const, content: 'hi' }] };
    const ambiguous = await failureOf(client.chat.completions.create(request));
    expect(ambiguous).toBeInstanceOf(BadRequestError);
    expect(ambiguous).toMatchObject({ status: 400, code: 'ambiguous_model', param: 'model' });
    expect(ambiguous.message).toContain(first.id);
    expect(ambiguous.message).toContain(second.id);
    // An inactive namesake does not count.
    await app.http.patch(`/api/v1/agents/${second.id}`, { status: 'inactive' }, as(owner));
    expect((await client.chat.completions.create(request)).model).toBe(first.id);
  });
});

describe('errors, as the OpenAI client raises them', () => {
  const hello = [{ role: 'user' as const, content: 'hello' }];

  it('raises AuthenticationError for a bad key and PermissionDeniedError for a readonly key', async () => {
    const agent = await createAgent({});
    const denied = await failureOf(
      clientFor('agk_not-a-real-key').chat.completions.create({ model: agent.id, messages: hello }),
    );
    expect(denied).toBeInstanceOf(AuthenticationError);
    expect(denied).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
    expect(denied.requestID).toBeTruthy();
    expect(await failureOf(clientFor('agk_not-a-real-key').models.list())).toBeInstanceOf(
      AuthenticationError,
    );

    const readonly = await failureOf(
      clientFor(readonlyKey).chat.completions.create({ model: agent.id, messages: hello }),
    );
    expect(readonly).toBeInstanceOf(PermissionDeniedError);
    expect(readonly).toMatchObject({ status: 403, type: 'permission_error' });
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agent.id}`, as(owner));
    expect(runs.body).toEqual([]);
  });

  it('raises NotFoundError for an unknown model', async () => {
    const client = clientFor(ownerKey.key);
    for (const model of ['no-such-agent', '01890000-0000-7000-8000-000000000000']) {
      const missing = await failureOf(client.chat.completions.create({ model, messages: hello }));
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
      expect(await failureOf(client.models.retrieve(model))).toBeInstanceOf(NotFoundError);
    }
  });

  it('refuses requests it cannot serve, naming the parameter', async () => {
    const agent = await createAgent({});
    const client = clientFor(ownerKey.key);
    const empty = await failureOf(client.chat.completions.create({ model: agent.id, messages: [] }));
    expect(empty).toBeInstanceOf(UnprocessableEntityError);
    expect(empty).toMatchObject({
      code: 'validation_error',
      param: 'messages',
      type: 'invalid_request_error',
    });
    const endsWithAnswer = await failureOf(
      client.chat.completions.create({
        model: agent.id,
        messages: [...hello, { role: 'assistant', content: 'Hi!' }],
      }),
    );
    expect(endsWithAnswer).toBeInstanceOf(BadRequestError);
    expect(endsWithAnswer).toMatchObject({ code: 'invalid_messages', param: 'messages[1].role' });
    const image = await failureOf(
      client.chat.completions.create({
        model: agent.id,
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        ],
      }),
    );
    expect(image).toMatchObject({
      status: 400,
      code: 'unsupported_content',
      param: 'messages[0].content[0]',
    });
    const twoAnswers = await failureOf(
      client.chat.completions.create({ model: agent.id, messages: hello, n: 2 }),
    );
    expect(twoAnswers).toMatchObject({ status: 422, param: 'n' });
    await app.http.patch(`/api/v1/agents/${agent.id}`, { status: 'inactive' }, as(owner));
    const inactive = await failureOf(client.chat.completions.create({ model: agent.id, messages: hello }));
    expect(inactive).toMatchObject({ status: 400, code: 'agent_inactive' });
  });

  it('answers in OpenAI’s error body on every /v1 route, unknown ones included', async () => {
    const response = await fetch(`${app.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x', input: 'y' }),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(await response.json()).toEqual({
      error: {
        message: 'Route POST /v1/embeddings not found',
        type: 'invalid_request_error',
        param: null,
        code: 'not_found',
      },
    });
    const unauthenticated = await app.http.get('/v1/models');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toEqual({
      error: {
        message: expect.any(String),
        type: 'authentication_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    // Agentry's own routes keep their standard body.
    const standard = await app.http.get('/api/v1/agents');
    expect(standard.body).toMatchObject({ error: true, code: 'authentication_error' });
  });
});

describe('another organization’s agent', () => {
  it('is not a model of the caller and is never answered', async () => {
    const agent = await createAgent({ name: 'Private agent', prompt: REFUND_PROMPT });
    const client = clientFor(integratorKey);
    expect((await client.models.list()).data.map((model) => model.id)).not.toContain(agent.id);
    expect(await failureOf(client.models.retrieve(agent.id))).toBeInstanceOf(NotFoundError);
    for (const model of [agent.id, 'Private agent']) {
      const refused = await failureOf(
        client.chat.completions.create({ model, messages: [{ role: 'user', content: 'refunds?' }] }),
      );
      expect(refused).toBeInstanceOf(NotFoundError);
      expect(refused).toMatchObject({ code: 'model_not_found' });
      expect(refused.message).not.toContain('Refunds are processed');
    }
    const streamed = await failureOf(
      client.chat.completions.create({
        model: agent.id,
        messages: [{ role: 'user', content: 'refunds?' }],
        stream: true,
      }),
    );
    expect(streamed).toBeInstanceOf(NotFoundError);
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agent.id}`, as(owner));
    expect(runs.body).toEqual([]);
    expect(completions()).toHaveLength(0);
    const after = (await app.http.get(`/api/v1/agents/${agent.id}`, as(owner))).body;
    expect(after.interaction_count).toBe(0);
  });
});

describe('the OpenAPI document', () => {
  it('documents the facade under the openai-compatible tag', async () => {
    const { body: document } = await app.http.get('/openapi.json');
    for (const [path, method] of [
      ['/v1/models', 'get'],
      ['/v1/models/{model}', 'get'],
      ['/v1/chat/completions', 'post'],
    ] as const) {
      expect(document.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['openai-compatible']);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorProviderIds } from '../src/modules/providers/index.ts';
import { OFFLINE_PREFIX } from '../src/platform/llm/offline-model.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse, HttpClient } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Routes and shapes the seeds name that Agentry adds beside its own: seed 003's
 * `GET /providers/ollama/models`, seed 001's `POST /agents/{id}/chat` (the interaction flow) and
 * seed 004's `agent_id` in the execution request. Ollama servers are OpenAI-compatible stubs on
 * loopback (Ollama is validated through its OpenAI-compatible /v1/models); chats run on the
 * offline model (the chat organizations have no provider).
 */
let ollama: OpenAiStub;
let otherOllama: OpenAiStub;
let app: TestApp;
const apps: TestApp[] = [];

beforeAll(async () => {
  ollama = await startOpenAiStub({ models: ['llama3.1:8b', 'qwen2.5:7b'] });
  otherOllama = await startOpenAiStub({ models: ['mistral:7b'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  apps.push(app);
});
afterAll(async () => {
  for (const started of apps) await started.close();
  await Promise.all([ollama.close(), otherOllama.close()]);
});

const as = (account: TestAccount) => ({ token: account.token });
const originOf = (stub: OpenAiStub) => stub.url.replace(/\/v1$/, '');

/** Polls the provider until its validation settles (connected or error), for a few seconds at most. */
async function settled(http: HttpClient, id: string, account: TestAccount) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await http.get(`/api/v1/providers/${id}`, as(account));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    if (['connected', 'error'].includes(response.body.validation_status)) return response.body;
    if (Date.now() > deadline) throw new Error(`validation did not settle: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createProvider(account: TestAccount, body: Record<string, unknown>) {
  const response = await app.http.post('/api/v1/providers', { is_default: false, ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return (await settled(app.http, response.body.id, account)) as { id: string; name: string };
}

const ollamaModels = (account: TestAccount, query = '', http = app.http) =>
  http.get(`/api/v1/providers/ollama/models${query}`, as(account));

describe('GET /api/v1/providers/ollama/models (seed 003)', () => {
  let owner: TestAccount;
  let older: { id: string; name: string };
  let newer: { id: string; name: string };

  beforeAll(async () => {
    owner = await registerAccount(app.http, 'Ollama owner');
    older = await createProvider(owner, { name: 'Ollama Local', type: 'ollama', base_url: originOf(ollama) });
    newer = await createProvider(owner, {
      name: 'Ollama GPU',
      type: 'ollama',
      base_url: `${originOf(otherOllama)}/v1`,
    });
    // Neither an inactive Ollama server nor another type's models are listed.
    await createProvider(owner, {
      name: 'Paused Ollama',
      type: 'ollama',
      base_url: originOf(ollama),
      is_active: false,
    });
    await createProvider(owner, { name: 'Compatible', type: 'openai_compatible', base_url: ollama.url });
  });

  it('lists the models of the organization’s active Ollama servers, newest server first', async () => {
    const response = await ollamaModels(owner);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual([
      { name: 'mistral:7b', model: 'mistral:7b', provider_id: newer.id, provider_name: 'Ollama GPU' },
      { name: 'llama3.1:8b', model: 'llama3.1:8b', provider_id: older.id, provider_name: 'Ollama Local' },
      { name: 'qwen2.5:7b', model: 'qwen2.5:7b', provider_id: older.id, provider_name: 'Ollama Local' },
    ]);
    expect(response.headers.get('x-total-count')).toBe('3');
  });

  it('answers the models stored at the last validation, without asking the servers again', async () => {
    ollama.reset();
    otherOllama.reset();
    expect((await ollamaModels(owner)).body).toHaveLength(3);
    expect([...ollama.requests, ...otherOllama.requests]).toEqual([]);
  });

  it('pages with limit and offset', async () => {
    const page = await ollamaModels(owner, '?limit=1&offset=1');
    expect(page.body).toEqual([expect.objectContaining({ name: 'llama3.1:8b', provider_id: older.id })]);
    expect(page.headers.get('x-total-count')).toBe('3');
  });

  it('is matched before /providers/{id}, which keep answering as before', async () => {
    const models = await app.http.get(`/api/v1/providers/${older.id}/models`, as(owner));
    expect(models.body).toEqual([{ id: 'llama3.1:8b' }, { id: 'qwen2.5:7b' }]);
    const provider = await app.http.get(`/api/v1/providers/${older.id}`, as(owner));
    expect(provider.body).toMatchObject({ id: older.id, type: 'ollama' });
    const notAnId = await app.http.get('/api/v1/providers/ollama', as(owner));
    expectError(notAnId, 422, 'validation_error');
    const otherType = await app.http.get('/api/v1/providers/openai/models', as(owner));
    expectError(otherType, 422, 'validation_error');
  });

  it('answers an empty list to an organization without an Ollama server, and shows it none of ours', async () => {
    const stranger = await registerAccount(app.http, 'No Ollama');
    const empty = await ollamaModels(stranger);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
    expect(empty.headers.get('x-total-count')).toBe('0');
    // Its own Ollama server lists only its own models.
    const own = await createProvider(stranger, { name: 'Own Ollama', type: 'ollama', base_url: ollama.url });
    expect(
      (await ollamaModels(stranger)).body.map((model: { provider_id: string }) => model.provider_id),
    ).toEqual([own.id, own.id]);
  });

  it('needs providers:read', async () => {
    const member = await addMember(app.http, owner, 'agent_user');
    expectError(await ollamaModels(member), 403, 'authorization_error');
    expect((await app.http.get('/api/v1/providers/ollama/models', {})).status).toBe(401);
  });
});

describe('POST /api/v1/agents/{id}/chat (seed 001’s interaction flow)', () => {
  let owner: TestAccount;
  let member: TestAccount;
  let stranger: TestAccount;
  let agentId: string;

  beforeAll(async () => {
    owner = await registerAccount(app.http, 'Chat owner');
    member = await addMember(app.http, owner, 'agent_user');
    stranger = await registerAccount(app.http, 'Chat stranger');
    agentId = await createAgent(owner, { name: 'Therapist' });
  });

  async function createAgent(account: TestAccount, body: Record<string, unknown>) {
    const response = await app.http.post('/api/v1/agents', body, as(account));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  }

  const chat = (id: string, body: Record<string, unknown>, account: TestAccount = member) =>
    app.http.post(`/api/v1/agents/${id}/chat`, body, as(account));

  async function chatOk(id: string, body: Record<string, unknown>, account: TestAccount = member) {
    const response = await chat(id, body, account);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  }

  const sessionOf = async (id: string) => (await app.http.get(`/api/v1/sessions/${id}`, as(owner))).body;

  it('starts a thread, then continues it; message_count is what the session then shows', async () => {
    const first = await chatOk(agentId, { message: 'I feel anxious today', user_id: 'patient-1' });
    expect(first).toEqual({
      thread_id: expect.any(String),
      session_id: first.thread_id,
      agent_id: agentId,
      response: expect.stringContaining(OFFLINE_PREFIX),
      run_id: expect.any(String),
      message_id: expect.any(String),
      metadata: { memory_confidence: 0, message_count: 2 },
    });
    expect(await sessionOf(first.thread_id)).toMatchObject({
      agent_id: agentId,
      user_id: 'patient-1',
      message_count: 2,
    });

    const second = await chatOk(agentId, {
      user_input: 'It started this morning',
      thread_id: first.thread_id,
      metadata: { channel: 'voice' },
    });
    expect(second).toMatchObject({ thread_id: first.thread_id, metadata: { message_count: 4 } });
    expect((await sessionOf(first.thread_id)).message_count).toBe(4);
    const messages = await app.http.get(`/api/v1/sessions/${first.thread_id}/messages`, as(owner));
    expect(
      messages.body.map((message: { role: string; content: string }) => [message.role, message.content]),
    ).toEqual([
      ['user', 'I feel anxious today'],
      ['assistant', first.response],
      ['user', 'It started this morning'],
      ['assistant', second.response],
    ]);
    expect(messages.body[2].metadata).toEqual({ channel: 'voice' });
    expect(messages.body[3].id).toBe(second.message_id);

    const run = await app.http.get(`/api/v1/runs/${second.run_id}`, as(owner));
    expect(run.body).toMatchObject({ trigger: 'chat', session_id: first.thread_id, output: second.response });
  });

  it('counts the agent’s greeting of a new thread, as the session does', async () => {
    const greeter = await createAgent(owner, {
      name: 'Intake',
      initial_ai_msg: 'Hello, I am here to listen.',
    });
    const first = await chatOk(greeter, { user_input: 'Hi' });
    expect(first.metadata.message_count).toBe(3);
    expect((await sessionOf(first.thread_id)).message_count).toBe(3);
    const second = await chatOk(greeter, { message: 'Thanks', session_id: first.session_id });
    expect(second.metadata.message_count).toBe(5);
    expect((await sessionOf(first.thread_id)).message_count).toBe(5);
  });

  it('answers in JSON even for an agent that streams by default', async () => {
    const streaming = await createAgent(owner, { name: 'Streamer', use_streaming: true });
    const body = await chatOk(streaming, { message: 'Hello' });
    expect(body.metadata.message_count).toBe(2);
  });

  it('accepts both names of a field when they agree, and refuses them with 422 when they differ', async () => {
    const agreeing = await chatOk(agentId, { message: 'Same', user_input: 'Same' });
    const continued = await chatOk(agentId, {
      message: 'Again',
      thread_id: agreeing.thread_id,
      session_id: agreeing.thread_id,
    });
    expect(continued.metadata.message_count).toBe(4);

    const cases: [Record<string, unknown>, string][] = [
      [{ message: 'One', user_input: 'Another' }, 'user_input'],
      [{ message: 'One', thread_id: agreeing.thread_id, session_id: continued.run_id }, 'thread_id'],
      [{ user_id: 'patient-1' }, 'message'],
      [{ message: 'One', stream: true }, 'stream'],
    ];
    for (const [body, field] of cases) {
      const response = await chat(agentId, body);
      expectError(response, 422, 'validation_error');
      expect(response.body.validation_errors, JSON.stringify(body)).toEqual([
        expect.objectContaining({ field, location: 'body' }),
      ]);
    }
    expect((await sessionOf(agreeing.thread_id)).message_count).toBe(4);
  });

  it('refuses an unknown thread (404), another organization’s thread or agent (403), and a reader (403)', async () => {
    const own = await chatOk(agentId, { message: 'Mine' });
    const unknown = await chat(agentId, { message: 'Hi', thread_id: '01973a6f-e0a0-7974-b02c-347790f84dba' });
    expectError(unknown, 404, 'not_found');

    const strangerAgent = await createAgent(stranger, { name: 'Stranger agent' });
    expectError(
      await chat(strangerAgent, { message: 'Hi', thread_id: own.thread_id }, stranger),
      403,
      'authorization_error',
    );
    expectError(await chat(agentId, { message: 'Hi' }, stranger), 403, 'authorization_error');
    const reader = await addMember(app.http, owner, 'readonly');
    expectError(await chat(agentId, { message: 'Hi' }, reader), 403, 'authorization_error');
    expect((await sessionOf(own.thread_id)).message_count).toBe(2);
  });

  it('refuses what /execute refuses: an inactive agent (400)', async () => {
    const inactive = await createAgent(owner, { name: 'Resting', status: 'inactive' });
    expectError(await chat(inactive, { message: 'Hi' }), 400, 'agent_inactive');
  });
});

describe('seed 004’s agent_id in the execution request', () => {
  let owner: TestAccount;
  let agentId: string;
  let otherAgentId: string;

  beforeAll(async () => {
    owner = await registerAccount(app.http, 'Executor');
    agentId = (await app.http.post('/api/v1/agents', { name: 'Seed 004 agent' }, as(owner))).body.id;
    otherAgentId = (await app.http.post('/api/v1/agents', { name: 'Other agent' }, as(owner))).body.id;
  });

  it('is accepted when it names the path’s agent, with seed 004’s response fields', async () => {
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { agent_id: agentId, message: 'Hello', stream: false, metadata: {} },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      session_id: expect.any(String),
      message_id: expect.any(String),
      content: expect.stringContaining(OFFLINE_PREFIX),
      metadata: expect.any(Object),
      tool_calls: [],
      execution_time_ms: expect.any(Number),
    });
  });

  it('is refused with 422 naming agent_id when it names another agent, streamed or not', async () => {
    for (const path of ['execute', 'execute/stream']) {
      const response: ApiResponse = await app.http.post(
        `/api/v1/agents/${agentId}/${path}`,
        { agent_id: otherAgentId, message: 'Hello' },
        as(owner),
      );
      expectError(response, 422, 'validation_error');
      expect(response.body.validation_errors).toEqual([expect.objectContaining({ field: 'agent_id' })]);
    }
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agentId}`, as(owner));
    expect(runs.body).toHaveLength(1);
  });
});

// Last: starting a second app blocks the event loop for a moment, which the first app's overload
// protection would hold against the tests that follow.
describe('GET /api/v1/providers/ollama/models with an operator Ollama server', () => {
  it('lists the operator’s Ollama server when it is shared', async () => {
    const operated = await startTestApp({
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      OLLAMA_BASE_URL: originOf(ollama),
    });
    apps.push(operated);
    const tenant = await registerAccount(operated.http, 'Operator tenant');
    await settled(operated.http, operatorProviderIds.ollama, tenant);
    const response = await ollamaModels(tenant, '', operated.http);
    expect(response.body).toEqual(
      ['llama3.1:8b', 'qwen2.5:7b'].map((name) => ({
        name,
        model: name,
        provider_id: operatorProviderIds.ollama,
        provider_name: 'Ollama (operator)',
      })),
    );
  });
});

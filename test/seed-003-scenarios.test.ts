import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStub, startAnthropicStub } from './stubs/anthropic-stub.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 003 (agent system configuration): its provider, agent and agent-test examples and
 * the usage scenarios of its section 13, with the requests and the fields the seed writes.
 *
 * Providers point at stubs on loopback instead of localhost:11434 and api.openai.com (the test
 * app allows 127.0.0.1 through OUTBOUND_ALLOWLIST): the Ollama server is an OpenAI-compatible stub,
 * as Agentry validates Ollama through its OpenAI-compatible /v1/models. The seed's OpenAI key
 * "sk-..." is used as written: the stub accepts only that key.
 *
 * Task configurations and assignments are replayed in seed-003-definitions-scenarios.test.ts,
 * analysis runs (13.1 steps 6 and 7, section 9) in seed-003-analysis-scenarios.test.ts.
 */
const SEED_OPENAI_KEY = 'sk-...';
/** The provider id of seed 003's agent example: no provider has it here. */
const SEED_PROVIDER_ID = '123e4567-e89b-12d3-a456-426614174000';
const CLASSIFIER_PROMPT =
  'You are a message classification assistant. Analyze the message and categorize it as bug, feature, question, or discussion.';

let ollama: OpenAiStub;
let openai: OpenAiStub;
let anthropic: AnthropicStub;
let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  ollama = await startOpenAiStub({ models: ['llama3', 'mistral'] });
  openai = await startOpenAiStub({ apiKey: SEED_OPENAI_KEY, models: ['gpt-4', 'gpt-4o-mini'] });
  anthropic = await startAnthropicStub({ models: ['claude-3'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Seed 003 owner');
});
afterAll(async () => {
  await app.close();
  await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
});

const as = (account: TestAccount = owner) => ({ token: account.token });
/** The Ollama server's own address, as seed 003 writes it (http://localhost:11434). */
const ollamaServer = () => ollama.url.replace(/\/v1$/, '');

function expectStatus(response: ApiResponse, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

/** Seed 003: "Wait for validation (WebSocket notification or polling)": this polls, 10 s at most. */
async function validated(id: string, account = owner) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const provider = expectStatus(await app.http.get(`/api/v1/providers/${id}`, as(account)), 200);
    if (['connected', 'error'].includes(provider.validation_status)) return provider;
    if (Date.now() > deadline) throw new Error(`validation did not settle: ${JSON.stringify(provider)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The address of a server that has just stopped: connecting to it is refused. */
async function stoppedServer() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function createProvider(body: Record<string, unknown>, account = owner) {
  return expectStatus(await app.http.post('/api/v1/providers', body, as(account)), 201);
}

async function createAgent(body: Record<string, unknown>, account = owner) {
  return expectStatus(await app.http.post('/api/v1/agents', body, as(account)), 201);
}

/** Seed 003 section 2.2's Ollama (Local) example, on the stub. */
const ollamaLocal = () => ({
  name: 'Ollama Local',
  type: 'ollama',
  base_url: ollamaServer(),
  is_active: true,
});

describe('seed 003 section 2: LLM providers', () => {
  it('Ollama (Local): created pending, then validating -> connected with the server’s models', async () => {
    const account = await registerAccount(app.http, 'Validation watcher');
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${account.token}`,
    });
    try {
      const created = await createProvider(ollamaLocal(), account);
      expect(created).toMatchObject({
        name: 'Ollama Local',
        type: 'ollama',
        // Agentry stores the OpenAI-compatible API under the server (docs/providers.md).
        base_url: `${ollamaServer()}/v1`,
        is_active: true,
        validation_status: 'pending',
        validation_error: null,
        validated_at: null,
      });
      // Seed 003 broadcasts `validation_update` on a "providers" WebSocket channel; Agentry pushes
      // `provider-validation-updated` on /events and /ws (DESIGN section 5, Streaming;
      // docs/decisions/0015-seed-adaptations.md §25).
      await expect
        .poll(() => stream.events.filter((event) => event.type === 'provider-validation-updated').length, {
          timeout: 10_000,
        })
        .toBe(2);
      expect(stream.events.filter((event) => event.type === 'provider-validation-updated')).toEqual([
        expect.objectContaining({
          data: { provider_id: created.id, validation_status: 'validating', validation_error: null },
        }),
        expect.objectContaining({
          data: { provider_id: created.id, validation_status: 'connected', validation_error: null },
        }),
      ]);
      const provider = await validated(created.id, account);
      expect(provider).toMatchObject({
        validation_status: 'connected',
        validation_error: null,
        models: [{ id: 'llama3' }, { id: 'mistral' }],
      });
      expect(provider.validated_at).toEqual(expect.any(String));
    } finally {
      stream.close();
    }
  });

  it('Ollama (Local) exactly as written, at localhost:11434: refused unless the operator allowlists it', async () => {
    // DESIGN section 7 (outbound guard; docs/decisions/0015-seed-adaptations.md §25): loopback is
    // refused (400) unless OUTBOUND_ALLOWLIST names it.
    const guarded = await startTestApp();
    try {
      const account = await registerAccount(guarded.http, 'Default outbound guard');
      const asWritten = { ...ollamaLocal(), base_url: 'http://localhost:11434' };
      expectError(
        await guarded.http.post('/api/v1/providers', asWritten, as(account)),
        400,
        'outbound_url_blocked',
      );
      // This file's app allowlists 127.0.0.1, where localhost resolves: accepted (nothing answers there).
      const accepted = await createProvider({ ...asWritten, name: 'Ollama Local (as written)' });
      expect(accepted.base_url).toBe('http://localhost:11434/v1');
    } finally {
      await guarded.close();
    }
  });

  it('Ollama (OpenAI-compatible endpoint): base_url ending in /v1 validates the same way', async () => {
    const created = await createProvider({
      name: 'Ollama OpenAI API',
      type: 'ollama',
      base_url: `${ollamaServer()}/v1`,
      is_active: true,
    });
    expect(created.base_url).toBe(`${ollamaServer()}/v1`);
    expect(await validated(created.id)).toMatchObject({ validation_status: 'connected' });
  });

  it('OpenAI: the key is sent to the provider, stored encrypted and never returned', async () => {
    // The seed's example names no base_url (api.openai.com); here it is the stub on loopback.
    const created = await createProvider({
      name: 'OpenAI GPT-4',
      type: 'openai',
      api_key: SEED_OPENAI_KEY,
      is_active: true,
      base_url: openai.url,
    });
    expect(created).toMatchObject({
      type: 'openai',
      has_api_key: true,
      api_key_last4: null,
      validation_status: 'pending',
    });
    const provider = await validated(created.id);
    expect(provider).toMatchObject({
      validation_status: 'connected',
      models: [{ id: 'gpt-4' }, { id: 'gpt-4o-mini' }],
    });
    const probe = openai.requests.find((request) => request.path === '/v1/models');
    expect(probe?.headers.authorization).toBe(`Bearer ${SEED_OPENAI_KEY}`);

    const reads = [
      created,
      provider,
      (await app.http.get('/api/v1/providers', as())).body,
      expectStatus(await app.http.put(`/api/v1/providers/${created.id}`, { is_active: true }, as()), 200),
    ];
    for (const body of reads) {
      expect(JSON.stringify(body)).not.toContain(SEED_OPENAI_KEY);
      expect(JSON.stringify(body)).not.toMatch(/"api_key(_encrypted)?"/);
    }
    const { rows } = (await app.database.db.execute(
      sql`select api_key_ciphertext from llm_providers where id = ${created.id}`,
    )) as unknown as { rows: { api_key_ciphertext: string }[] };
    expect(rows[0]?.api_key_ciphertext).toEqual(expect.any(String));
    expect(rows[0]?.api_key_ciphertext).not.toContain(SEED_OPENAI_KEY);
  });

  it('a server that cannot be reached ends in error, with validation_error and validated_at', async () => {
    const created = await createProvider({
      name: 'Ollama (stopped)',
      type: 'ollama',
      base_url: await stoppedServer(),
      is_active: true,
    });
    const provider = await validated(created.id);
    expect(provider).toMatchObject({ validation_status: 'error', models: [] });
    expect(provider.validation_error).toMatch(/connection was refused/);
    expect(provider.validated_at).toEqual(expect.any(String));
  });

  it('provider names are unique', async () => {
    const account = await registerAccount(app.http, 'Unique providers');
    await createProvider(ollamaLocal(), account);
    expectError(
      await app.http.post('/api/v1/providers', ollamaLocal(), as(account)),
      409,
      'provider_name_taken',
    );
  });

  it('section 10.1: list, get, update, validate again and delete', async () => {
    const account = await registerAccount(app.http, 'Provider endpoints');
    const created = await createProvider(ollamaLocal(), account);
    await validated(created.id, account);

    const list = expectStatus(await app.http.get('/api/v1/providers', as(account)), 200);
    expect(list.map((provider: { id: string }) => provider.id)).toEqual([created.id]);
    expect(expectStatus(await app.http.get(`/api/v1/providers/${created.id}`, as(account)), 200).name).toBe(
      'Ollama Local',
    );

    const updated = expectStatus(
      await app.http.put(`/api/v1/providers/${created.id}`, { name: 'Ollama (renamed)' }, as(account)),
      200,
    );
    expect(updated).toMatchObject({ name: 'Ollama (renamed)', validation_status: 'connected' });

    // Seed 003 names no status for "manually trigger validation"; Agentry answers 202 (accepted):
    // validation is enqueued (DESIGN 4, Providers; docs/decisions/0015-seed-adaptations.md §25).
    const validate = await app.http.post(`/api/v1/providers/${created.id}/validate`, undefined, as(account));
    expect(expectStatus(validate, 202).validation_status).toBe('pending');
    expect((await validated(created.id, account)).validation_status).toBe('connected');

    // DESIGN section 9 (delete): soft delete, 204, then gone from reads.
    expect((await app.http.delete(`/api/v1/providers/${created.id}`, as(account))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/providers/${created.id}`, as(account)), 404, 'not_found');
  });

  it('GET /providers/ollama/models lists the models of the Ollama servers', async () => {
    const account = await registerAccount(app.http, 'Ollama models');
    const created = await createProvider(ollamaLocal(), account);
    await validated(created.id, account);
    const models = expectStatus(await app.http.get('/api/v1/providers/ollama/models', as(account)), 200);
    expect(models).toEqual([
      { name: 'llama3', model: 'llama3', provider_id: created.id, provider_name: 'Ollama Local' },
      { name: 'mistral', model: 'mistral', provider_id: created.id, provider_name: 'Ollama Local' },
    ]);
  });
});

/** Seed 003 section 3.1's AgentConfig example. */
const messageClassifier = (providerId: string) => ({
  name: 'Message Classifier',
  description: 'Classifies messages into categories',
  provider_id: providerId,
  model_name: 'llama3',
  system_prompt: CLASSIFIER_PROMPT,
  temperature: 0.7,
  max_tokens: 500,
  is_active: true,
});

describe('seed 003 section 3: agent configurations', () => {
  let account: TestAccount;
  let providerId: string;

  beforeAll(async () => {
    account = await registerAccount(app.http, 'Agent configurations');
    providerId = (await createProvider(ollamaLocal(), account)).id;
    await validated(providerId, account);
  });

  it('the example as written names a provider that does not exist: 422 on provider_id', async () => {
    const response = await app.http.post('/api/v1/agents', messageClassifier(SEED_PROVIDER_ID), as(account));
    expectError(response, 422, 'validation_error');
    expect(response.body.error_code).toBe('validation_error');
    expect(response.body.validation_errors).toEqual([
      expect.objectContaining({ field: 'provider_id', value: SEED_PROVIDER_ID }),
    ]);
  });

  it('the example on an existing provider: 201, its fields under Agentry’s names', async () => {
    const agent = await createAgent(messageClassifier(providerId), account);
    // DESIGN section 9 (agent shape): one Agent with section 4's fields; responses use its names.
    expect(agent).toMatchObject({
      name: 'Message Classifier',
      description: 'Classifies messages into categories',
      provider_id: providerId,
      model: 'llama3',
      prompt: CLASSIFIER_PROMPT,
      temperature: 0.7,
      max_tokens: 500,
      is_active: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(agent).not.toHaveProperty('model_name');
    expect(agent).not.toHaveProperty('system_prompt');
  });

  it('section 3.3: get, list, update (PUT), delete', async () => {
    const agent = await createAgent({ ...messageClassifier(providerId), name: 'Endpoint tour' }, account);
    expect(expectStatus(await app.http.get(`/api/v1/agents/${agent.id}`, as(account)), 200).model).toBe(
      'llama3',
    );
    const list = expectStatus(await app.http.get('/api/v1/agents', as(account)), 200);
    expect(list.map((listed: { id: string }) => listed.id)).toContain(agent.id);

    const updated = expectStatus(
      await app.http.put(
        `/api/v1/agents/${agent.id}`,
        { model_name: 'mistral', system_prompt: 'Classify briefly.', temperature: 0.2 },
        as(account),
      ),
      200,
    );
    expect(updated).toMatchObject({ model: 'mistral', prompt: 'Classify briefly.', temperature: 0.2 });

    // "update (validates provider_id if changed)"
    const badProvider = await app.http.put(
      `/api/v1/agents/${agent.id}`,
      { provider_id: SEED_PROVIDER_ID },
      as(account),
    );
    expectError(badProvider, 422, 'validation_error');
    expect(badProvider.body.validation_errors[0]).toMatchObject({ field: 'provider_id' });

    // DESIGN section 9 (delete): soft delete, 204, then 404 on reads.
    expect((await app.http.delete(`/api/v1/agents/${agent.id}`, as(account))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/agents/${agent.id}`, as(account)), 404, 'not_found');
  });

  it('lists with the filters provider_id and active_only', async () => {
    const lister = await registerAccount(app.http, 'Agent filters');
    const first = (await createProvider(ollamaLocal(), lister)).id;
    const second = (await createProvider({ ...ollamaLocal(), name: 'Ollama OpenAI API' }, lister)).id;
    const active = await createAgent(messageClassifier(first), lister);
    const inactive = await createAgent(
      { ...messageClassifier(first), name: 'Paused Classifier', is_active: false },
      lister,
    );
    const other = await createAgent({ ...messageClassifier(second), name: 'Other Classifier' }, lister);

    const ids = async (query: string) =>
      expectStatus(await app.http.get(`/api/v1/agents${query}`, as(lister)), 200).map(
        (agent: { id: string }) => agent.id,
      );
    expect((await ids(`?provider_id=${first}`)).sort()).toEqual([active.id, inactive.id].sort());
    expect(await ids(`?provider_id=${first}&active_only=true`)).toEqual([active.id]);
    expect((await ids('?active_only=true')).sort()).toEqual([active.id, other.id].sort());
    expect(await ids('?active_only=false')).toHaveLength(3);
  });

  it('pages with the seed’s skip and limit (AgentCRUD.list(skip, limit, ...)), skip read as offset', async () => {
    // docs/decisions/0015-seed-adaptations.md §19: skip is another name for offset on every list.
    const pager = await registerAccount(app.http, 'Agent pages');
    const provider = (await createProvider(ollamaLocal(), pager)).id;
    for (const name of ['Page one', 'Page two', 'Page three']) {
      await createAgent({ ...messageClassifier(provider), name }, pager);
    }
    const list = (query: string) => app.http.get(`/api/v1/agents${query}`, as(pager));
    const ids = (response: ApiResponse) =>
      expectStatus(response, 200).map((agent: { id: string }) => agent.id);

    const all = await list('?skip=0&limit=100');
    expect(ids(all)).toHaveLength(3);
    expect(all.headers.get('x-total-count')).toBe('3');
    expect(ids(await list('?skip=1&limit=1'))).toEqual(ids(await list('?offset=1&limit=1')));
    expect(ids(await list('?skip=2&limit=100&active_only=true&offset=2'))).toEqual(ids(all).slice(2));
    // Every paginated list takes it: the providers too (ProviderCRUD pages the same way).
    expect(ids(await app.http.get('/api/v1/providers?skip=0&limit=100', as(pager)))).toEqual([provider]);

    // Two names for one field with different values: refused, naming skip, rather than one winning.
    const conflict = await list('?skip=1&offset=2&limit=10');
    expectError(conflict, 422, 'validation_error');
    expect(conflict.body.validation_errors).toEqual([
      expect.objectContaining({ field: 'skip', location: 'querystring', value: '1' }),
    ]);
    const negative = await list('?skip=-1');
    expectError(negative, 422, 'validation_error');
    expect(negative.body.validation_errors).toEqual([
      expect.objectContaining({ field: 'skip', value: '-1' }),
    ]);
  });

  it('names: seed 003 makes them unique; Agentry accepts a second agent of the same name', async () => {
    // Seed 003 (AgentCRUD.create: "Validate name uniqueness"). Agentry does not: agents are
    // identified by id, and seed 000 gives many a default name ("AI Agent"): adapted,
    // docs/decisions/0015-seed-adaptations.md §18.
    const first = await createAgent({ ...messageClassifier(providerId), name: 'Twin Classifier' }, account);
    const second = await createAgent({ ...messageClassifier(providerId), name: 'Twin Classifier' }, account);
    expect(second.id).not.toBe(first.id);
  });
});

/** Seed 003's test response: its fields, as section 8.1's TestAgentResponse lists them. */
function expectTestResponse(body: Record<string, unknown>, expected: Record<string, unknown>) {
  expect(body).toMatchObject({
    agent_id: expect.any(String),
    agent_name: expect.any(String),
    prompt: expect.any(String),
    response: expect.any(String),
    elapsed_time: expect.any(Number),
    model_name: expect.any(String),
    provider_name: expect.any(String),
    provider_type: expect.any(String),
    ...expected,
  });
  expect(body.elapsed_time).toBeGreaterThanOrEqual(0);
}

describe('seed 003 section 13.1: complete setup flow, steps 1, 2 and 5', () => {
  let account: TestAccount;
  let providerId: string;
  let agentId: string;

  it('1. creates the provider and waits until it is connected', async () => {
    account = await registerAccount(app.http, 'Setup flow');
    const provider = await createProvider(ollamaLocal(), account);
    expect(provider.validation_status).toBe('pending');
    providerId = provider.id;
    expect((await validated(providerId, account)).validation_status).toBe('connected');
  });

  it('2. creates the agent configuration', async () => {
    const agent = await createAgent(
      {
        name: 'Message Classifier',
        description: 'Classifies messages into categories',
        provider_id: providerId,
        model_name: 'llama3',
        system_prompt: 'You are a message classifier. Analyze and categorize messages.',
        temperature: 0.7,
        max_tokens: 500,
        is_active: true,
      },
      account,
    );
    agentId = agent.id;
  });

  it('5. tests the agent: the seed’s response fields, from the provider’s answer', async () => {
    ollama.reset();
    const answer = '{"category": "bug", "confidence": 0.95}';
    ollama.enqueue({ type: 'text', text: answer });
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/test`,
      { prompt: 'The app crashes when I log in on iOS' },
      as(account),
    );
    expectTestResponse(expectStatus(response, 200), {
      agent_id: agentId,
      agent_name: 'Message Classifier',
      prompt: 'The app crashes when I log in on iOS',
      response: answer,
      model_name: 'llama3',
      provider_name: 'Ollama Local',
      provider_type: 'ollama',
    });
    // Seed 003's AgentTestService runs the agent's system prompt with its temperature and max_tokens.
    const call = ollama.requests.find((request) => request.path === '/v1/chat/completions');
    const sent = call?.body as {
      model: string;
      temperature: number;
      max_tokens: number;
      messages: { role: string; content: string }[];
    };
    expect(sent).toMatchObject({ model: 'llama3', temperature: 0.7, max_tokens: 500 });
    expect(sent.messages[0]).toMatchObject({ role: 'system' });
    expect(sent.messages[0]?.content).toContain(
      'You are a message classifier. Analyze and categorize messages.',
    );
    expect(sent.messages.at(-1)).toMatchObject({
      role: 'user',
      content: 'The app crashes when I log in on iOS',
    });
  });

  it('13.2 and 8.2: tests with other prompts', async () => {
    for (const [prompt, answer] of [
      ['How do I reset my password?', '{"category": "question", "confidence": 0.92}'],
      [
        'Classify this message: The app crashed when I logged in',
        '{"category": "bug", "confidence": 0.95, "reasoning": "User reported a crash, which is a bug"}',
      ],
    ] as const) {
      ollama.enqueue({ type: 'text', text: answer });
      const response = await app.http.post(`/api/v1/agents/${agentId}/test`, { prompt }, as(account));
      expectTestResponse(expectStatus(response, 200), { agent_id: agentId, prompt, response: answer });
    }
  });

  it('refuses a test while the provider is inactive, as seed 003’s test service does', async () => {
    await app.http.put(`/api/v1/providers/${providerId}`, { is_active: false }, as(account));
    try {
      const response = await app.http.post(
        `/api/v1/agents/${agentId}/test`,
        { prompt: 'Hello' },
        as(account),
      );
      expectError(response, 400, 'provider_inactive');
    } finally {
      await app.http.put(`/api/v1/providers/${providerId}`, { is_active: true }, as(account));
    }
  });

  it('refuses a test while the provider is not validated', async () => {
    const broken = await createProvider(
      { ...ollamaLocal(), name: 'Unreachable', base_url: await stoppedServer() },
      account,
    );
    expect((await validated(broken.id, account)).validation_status).toBe('error');
    const agent = await createAgent({ ...messageClassifier(broken.id), name: 'Stranded' }, account);
    const response = await app.http.post(`/api/v1/agents/${agent.id}/test`, { prompt: 'Hello' }, as(account));
    expectError(response, 400, 'provider_not_validated');
  });
});

describe('seed 003 section 13.3: multiple agents for the same task (A/B)', () => {
  it('creates the three agents as written ({name, model, provider: id}) and tests each', async () => {
    const account = await registerAccount(app.http, 'A/B testing');
    const openaiId = (
      await createProvider(
        { name: 'OpenAI GPT-4', type: 'openai', api_key: SEED_OPENAI_KEY, base_url: openai.url },
        account,
      )
    ).id;
    const ollamaId = (await createProvider(ollamaLocal(), account)).id;
    const anthropicId = (
      await createProvider(
        { name: 'Anthropic', type: 'anthropic', api_key: 'sk-ant-seed', base_url: anthropic.v1Url },
        account,
      )
    ).id;
    for (const id of [openaiId, ollamaId, anthropicId]) {
      expect((await validated(id, account)).validation_status).toBe('connected');
    }

    const agents = [
      { name: 'GPT-4 Classifier', model: 'gpt-4', provider: openaiId },
      { name: 'Llama3 Classifier', model: 'llama3', provider: ollamaId },
      { name: 'Claude Classifier', model: 'claude-3', provider: anthropicId },
    ];
    const expectedTypes = ['openai', 'ollama', 'anthropic'];
    for (const [index, agentData] of agents.entries()) {
      const agent = await createAgent(agentData, account);
      expect(agent).toMatchObject({
        name: agentData.name,
        model: agentData.model,
        provider_id: agentData.provider,
      });
      const tested = await app.http.post(
        `/api/v1/agents/${agent.id}/test`,
        { prompt: 'The app crashes when I log in on iOS' },
        as(account),
      );
      expectTestResponse(expectStatus(tested, 200), {
        agent_name: agentData.name,
        model_name: agentData.model,
        provider_type: expectedTypes[index],
      });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_PREFIX } from '../src/platform/llm/offline-model.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventSocket } from './support/event-stream.ts';
import { postForEvents } from './support/sse-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 004 ("AI agent application architecture"): its request models (CreateSessionRequest,
 * CreateMessageRequest, Agent, AgentExecutionRequest) sent as written to the routes of its
 * section 6 (Sessions, Messages and Agents APIs, execution), its error model (ErrorResponse,
 * ValidationErrorDetail, ErrorCode), its rate limits, health checks and WebSocket. Turns are
 * answered by the offline model. Its tools, MCP servers and external services are replayed in
 * seed-004-tools-scenarios.test.ts.
 */
let app: TestApp;
let user: TestAccount;
let stranger: TestAccount;
beforeAll(async () => {
  app = await startTestApp();
  user = await registerAccount(app.http, 'Seed 004 User');
  stranger = await registerAccount(app.http, 'Another Organization');
});
afterAll(() => app.close());

const as = (account: TestAccount = user) => ({ token: account.token });

/** Seed 004's `Agent` fields, as a client of its Agents API sends them. */
const seedAgent = {
  name: 'Research Assistant',
  description: 'Answers research questions with sources',
  system_prompt: 'You are a careful research assistant. Cite your sources.',
  model_config: { provider: 'openai', model: 'gpt-4o', temperature: 0.7, max_tokens: 1000 },
  tools: ['current_time', 'search_session_messages'],
  metadata: { team: 'research', environment: 'development' },
};

/** An agent that answers with the offline model: its model_config names the built-in provider. */
const offlineAgent = {
  ...seedAgent,
  name: 'Offline Assistant',
  model_config: { provider: 'offline', model: 'agentry-offline', temperature: 0.2, max_tokens: 500 },
};

async function createAgent(body: Record<string, unknown> = offlineAgent) {
  const response = await app.http.post('/api/v1/agents', body, as());
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string };
}

/** Seed 004's CreateSessionRequest, as written: no agent (the session's first turn binds it to one). */
async function createSession(body: Record<string, unknown> = {}) {
  const response = await app.http.post('/api/v1/sessions', body, as());
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; message_count: number; last_activity: string };
}

async function postMessage(sessionId: string, body: Record<string, unknown>) {
  const response = await app.http.post(`/api/v1/sessions/${sessionId}/messages`, body, as());
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string };
}

const sessionFields = {
  id: expect.any(String),
  user_id: expect.toBeOneOf([expect.any(String), null]),
  title: expect.toBeOneOf([expect.any(String), null]),
  metadata: expect.any(Object),
  message_count: expect.any(Number),
  last_activity: expect.any(String),
  created_at: expect.any(String),
  updated_at: expect.any(String),
};

const messageFields = {
  id: expect.any(String),
  session_id: expect.any(String),
  role: expect.any(String),
  content: expect.any(String),
  metadata: expect.any(Object),
  tool_calls: expect.any(Array),
  parent_message_id: expect.toBeOneOf([expect.any(String), null]),
  created_at: expect.any(String),
  updated_at: expect.any(String),
};

describe('seed 004 Sessions API', () => {
  it('POST /sessions and /sessions/bulk-create accept CreateSessionRequest as written (no agent)', async () => {
    const single = await app.http.post(
      '/api/v1/sessions',
      { user_id: 'user-123', title: 'Research on solar panels', metadata: { source: 'web' } },
      as(),
    );
    expect(single.status, JSON.stringify(single.body)).toBe(201);
    const bulk = await app.http.post(
      '/api/v1/sessions/bulk-create',
      [{ user_id: 'user-123', title: 'First' }, { title: 'Second' }],
      as(),
    );
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
  });

  it('POST /sessions creates a session (201) with the Session fields', async () => {
    const response = await app.http.post(
      '/api/v1/sessions',
      {
        user_id: 'user-123',
        title: 'Research on solar panels',
        metadata: { source: 'web' },
      },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      ...sessionFields,
      agent_id: null,
      user_id: 'user-123',
      title: 'Research on solar panels',
      metadata: { source: 'web' },
      message_count: 0,
    });
  });

  it('GET /sessions filters by user_id, paginates with limit/offset and sorts by sort_by/sort_order', async () => {
    const owner = `user-${Date.now()}`;
    const created = [];
    for (const title of ['one', 'two', 'three']) {
      created.push(await createSession({ user_id: owner, title }));
    }
    await createSession({ user_id: 'someone-else', title: 'other' });

    const mine = await app.http.get(`/api/v1/sessions?user_id=${owner}`, as());
    expect(mine.status).toBe(200);
    expect(mine.body.map((session: { title: string }) => session.title)).toEqual(['three', 'two', 'one']);

    const oldestFirst = await app.http.get(
      `/api/v1/sessions?user_id=${owner}&sort_by=created_at&sort_order=asc&limit=2&offset=1`,
      as(),
    );
    expect(oldestFirst.status).toBe(200);
    expect(oldestFirst.body.map((session: { id: string }) => session.id)).toEqual([
      created[1]?.id,
      created[2]?.id,
    ]);
    for (const sortBy of ['updated_at', 'last_activity']) {
      expect((await app.http.get(`/api/v1/sessions?sort_by=${sortBy}`, as())).status).toBe(200);
    }
  });

  it('GET /sessions answers 20 sessions by default (limit: Query(20))', async () => {
    const crowd = `crowd-${Date.now()}`;
    const sessions = Array.from({ length: 21 }, (_, index) => ({
      user_id: crowd,
      title: `Crowd ${index}`,
    }));
    expect((await app.http.post('/api/v1/sessions/bulk-create', sessions, as())).status).toBe(201);
    const page = await app.http.get(`/api/v1/sessions?user_id=${crowd}`, as());
    expect(page.body).toHaveLength(20);
  });

  it('GET /sessions refuses what its Query bounds refuse: limit outside 1-100, other sort fields', async () => {
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'sort_by=title', 'sort_order=up']) {
      const response = await app.http.get(`/api/v1/sessions?${query}`, as());
      expect(response.status, query).toBe(422);
    }
  });

  it('GET /sessions/{id} answers the session, 404 "Session not found" for an unknown id', async () => {
    const session = await createSession({ title: 'Lookup' });
    const response = await app.http.get(`/api/v1/sessions/${session.id}`, as());
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ...sessionFields, id: session.id, title: 'Lookup' });
    const missing = await app.http.get('/api/v1/sessions/0190b7a4-0000-7000-8000-000000000404', as());
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Session not found');
  });

  it('PUT /sessions/{id} updates it with a CreateSessionRequest', async () => {
    const session = await createSession({ title: 'Before' });
    const response = await app.http.put(
      `/api/v1/sessions/${session.id}`,
      { user_id: 'user-456', title: 'After', metadata: { priority: 'high' } },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      user_id: 'user-456',
      title: 'After',
      metadata: { priority: 'high' },
    });
    expect((await app.http.get(`/api/v1/sessions/${session.id}`, as())).body.title).toBe('After');
  });

  it('DELETE /sessions/{id} answers 204 and deletes the session and all its messages', async () => {
    const session = await createSession();
    const message = await postMessage(session.id, { content: 'Soon gone' });
    const response = await app.http.delete(`/api/v1/sessions/${session.id}`, as());
    expect(response.status).toBe(204);
    expect((await app.http.get(`/api/v1/sessions/${session.id}`, as())).status).toBe(404);
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as())).status).toBe(404);
  });

  it('POST /sessions/bulk-create creates a list of sessions (201, in order)', async () => {
    const response = await app.http.post(
      '/api/v1/sessions/bulk-create',
      [{ user_id: 'user-123', title: 'Batch one', metadata: { batch: 1 } }, { title: 'Batch two' }],
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toHaveLength(2);
    expect(response.body[0]).toMatchObject({ ...sessionFields, title: 'Batch one', metadata: { batch: 1 } });
    expect(response.body[1]).toMatchObject({ title: 'Batch two', user_id: null });
  });

  it('DELETE /sessions/bulk-delete takes the raw JSON array of ids as its body (204)', async () => {
    const first = await createSession();
    const second = await createSession();
    const response = await app.http.request(
      'DELETE',
      '/api/v1/sessions/bulk-delete',
      [first.id, second.id],
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(204);
    for (const session of [first, second]) {
      expect((await app.http.get(`/api/v1/sessions/${session.id}`, as())).status).toBe(404);
    }
  });
});

describe('seed 004 Messages API', () => {
  let sessionId: string;
  beforeAll(async () => {
    sessionId = (await createSession({ title: 'Messages' })).id;
  });

  it('POST /sessions/{id}/messages creates a message from a CreateMessageRequest (201)', async () => {
    const before = (await app.http.get(`/api/v1/sessions/${sessionId}`, as())).body;
    const response = await app.http.post(
      `/api/v1/sessions/${sessionId}/messages`,
      { content: 'What are the benefits of solar panels?', role: 'user', metadata: { client: 'web' } },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toEqual(
      expect.objectContaining({
        ...messageFields,
        session_id: sessionId,
        role: 'user',
        content: 'What are the benefits of solar panels?',
        metadata: { client: 'web' },
        tool_calls: [],
        parent_message_id: null,
      }),
    );
    // The repositories of the seed count the message and touch last_activity.
    const after = (await app.http.get(`/api/v1/sessions/${sessionId}`, as())).body;
    expect(after.message_count).toBe(before.message_count + 1);
    expect(Date.parse(after.last_activity)).toBeGreaterThanOrEqual(Date.parse(before.last_activity));
  });

  it('defaults role to user, and accepts every MessageRole', async () => {
    const plain = await postMessage(sessionId, { content: 'No role given' });
    expect((await app.http.get(`/api/v1/messages/${plain.id}`, as())).body.role).toBe('user');
    for (const role of ['user', 'assistant', 'system', 'tool']) {
      const response = await app.http.post(
        `/api/v1/sessions/${sessionId}/messages`,
        { content: `A ${role} message`, role },
        as(),
      );
      expect(response.status, `${role}: ${JSON.stringify(response.body)}`).toBe(201);
      expect(response.body.role).toBe(role);
    }
  });

  it('threads messages through parent_message_id', async () => {
    const question = await postMessage(sessionId, { content: 'Which panel type lasts longest?' });
    const answer = await postMessage(sessionId, {
      content: 'Monocrystalline panels usually last longest.',
      role: 'assistant',
      parent_message_id: question.id,
    });
    const stored = await app.http.get(`/api/v1/messages/${answer.id}`, as());
    expect(stored.body.parent_message_id).toBe(question.id);
  });

  it('GET /sessions/{id}/messages lists oldest first, with limit/offset, role and search', async () => {
    const session = (await createSession({ title: 'Listing' })).id;
    await postMessage(session, { content: 'Tell me about wind turbines' });
    await postMessage(session, { content: 'Wind turbines convert kinetic energy.', role: 'assistant' });
    await postMessage(session, { content: 'And solar panels?' });

    const all = await app.http.get(`/api/v1/sessions/${session}/messages`, as());
    expect(all.status).toBe(200);
    expect(all.body.map((message: { content: string }) => message.content)).toEqual([
      'Tell me about wind turbines',
      'Wind turbines convert kinetic energy.',
      'And solar panels?',
    ]);
    expect(all.body[0]).toMatchObject(messageFields);

    const page = await app.http.get(`/api/v1/sessions/${session}/messages?limit=1&offset=1`, as());
    expect(page.body.map((message: { role: string }) => message.role)).toEqual(['assistant']);

    const mine = await app.http.get(`/api/v1/sessions/${session}/messages?role=user`, as());
    expect(mine.body).toHaveLength(2);

    // Full-text rather than the seed's trigram substring match: whole words, here found as written
    // (docs/decisions/0015-seed-adaptations.md §22).
    const found = await app.http.get(`/api/v1/sessions/${session}/messages?search=turbines`, as());
    expect(found.body.map((message: { content: string }) => message.content)).toEqual([
      'Tell me about wind turbines',
      'Wind turbines convert kinetic energy.',
    ]);

    for (const query of ['limit=0', 'limit=201', 'role=robot']) {
      expect((await app.http.get(`/api/v1/sessions/${session}/messages?${query}`, as())).status, query).toBe(
        422,
      );
    }
  });

  it('GET /messages/{id} answers the message, 404 "Message not found" for an unknown id', async () => {
    const message = await postMessage(sessionId, { content: 'Find me' });
    const response = await app.http.get(`/api/v1/messages/${message.id}`, as());
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ...messageFields, id: message.id, content: 'Find me' });
    const missing = await app.http.get('/api/v1/messages/0190b7a4-0000-7000-8000-000000000404', as());
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Message not found');
  });

  it('PUT /messages/{id} updates content and metadata from a CreateMessageRequest', async () => {
    const message = await postMessage(sessionId, { content: 'Draft', metadata: { draft: true } });
    const response = await app.http.put(
      `/api/v1/messages/${message.id}`,
      { content: 'Final wording', role: 'user', metadata: { draft: false } },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      content: 'Final wording',
      role: 'user',
      metadata: { draft: false },
    });
  });

  it('PUT /messages/{id} with content and metadata only (the fields the update changes)', async () => {
    const message = await postMessage(sessionId, { content: 'Draft' });
    const response = await app.http.put(
      `/api/v1/messages/${message.id}`,
      { content: 'Edited', metadata: { edited: true } },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ content: 'Edited', metadata: { edited: true } });
  });

  it('DELETE /messages/{id} answers 204, then 404', async () => {
    const message = await postMessage(sessionId, { content: 'Delete me' });
    expect((await app.http.delete(`/api/v1/messages/${message.id}`, as())).status).toBe(204);
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as())).status).toBe(404);
  });
});

describe('seed 004 Agents API', () => {
  it('POST /agents creates an agent from seed 004’s Agent fields (201)', async () => {
    const response = await app.http.post('/api/v1/agents', seedAgent, as());
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    // Responses use Agentry's names for the seed's aliases (DESIGN section 9, "agent shape": one
    // Agent with all fields): system_prompt is prompt, model_config's entries are the model fields.
    expect(response.body).toMatchObject({
      id: expect.any(String),
      name: 'Research Assistant',
      description: 'Answers research questions with sources',
      prompt: 'You are a careful research assistant. Cite your sources.',
      model: 'gpt-4o',
      temperature: 0.7,
      max_tokens: 1000,
      tools: ['current_time', 'search_session_messages'],
      metadata: { team: 'research', environment: 'development' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  // Adapted: docs/decisions/0015-seed-adaptations.md §24. Seed 004's AgentStatus (idle, processing,
  // waiting, error, completed) is what an agent is doing, Agentry's runtime.state; Agentry's `status`
  // is the lifecycle (active, inactive, archived, seed 000/001), which seed 004's values cannot be
  // confused with.
  it('a new agent’s seed 004 AgentStatus idle is its runtime.state; status is its lifecycle', async () => {
    const agent = await app.http.post('/api/v1/agents', { ...seedAgent, name: 'Idle Agent' }, as());
    expect(agent.status).toBe(201);
    expect(agent.body).toMatchObject({ status: 'active', runtime: { state: 'idle' } });
    const idle = await app.http.get('/api/v1/agents?status=idle', as());
    expectError(idle, 422, 'validation_error');
    expect(idle.body.validation_errors[0]).toMatchObject({
      field: 'status',
      location: 'querystring',
      value: 'idle',
    });
  });

  it('GET /agents searches name and description, paginates with limit/offset', async () => {
    const account = await registerAccount(app.http, 'Lister');
    for (const name of ['Solar Expert', 'Wind Expert', 'Billing Helper']) {
      const created = await app.http.post('/api/v1/agents', { ...seedAgent, name }, as(account));
      expect(created.status).toBe(201);
    }
    const experts = await app.http.get('/api/v1/agents?search=expert', as(account));
    expect(experts.status).toBe(200);
    expect(experts.body.map((agent: { name: string }) => agent.name).sort()).toEqual([
      'Solar Expert',
      'Wind Expert',
    ]);
    const byDescription = await app.http.get('/api/v1/agents?search=research%20questions', as(account));
    expect(byDescription.body).toHaveLength(3);
    const page = await app.http.get('/api/v1/agents?limit=2&offset=2', as(account));
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('x-total-count')).toBe('3');
  });

  it('GET /agents/{id} answers the agent, 404 "Agent not found" for an unknown id', async () => {
    const agent = await createAgent({ ...seedAgent, name: 'Lookup Agent' });
    const response = await app.http.get(`/api/v1/agents/${agent.id}`, as());
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: agent.id, name: 'Lookup Agent' });
    const missing = await app.http.get('/api/v1/agents/0190b7a4-0000-7000-8000-000000000404', as());
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Agent not found');
  });

  it('PUT /agents/{id} updates the configuration from a whole CreateAgentRequest', async () => {
    const agent = await createAgent({ ...seedAgent, name: 'Updatable' });
    const response = await app.http.put(
      `/api/v1/agents/${agent.id}`,
      {
        ...seedAgent,
        name: 'Updatable',
        description: 'Now focused on energy research',
        system_prompt: 'You are an energy research assistant.',
        model_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3, max_tokens: 2000 },
        metadata: { team: 'energy' },
      },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      description: 'Now focused on energy research',
      prompt: 'You are an energy research assistant.',
      model: 'gpt-4o-mini',
      temperature: 0.3,
      max_tokens: 2000,
      metadata: { team: 'energy' },
    });
  });

  it('DELETE /agents/{id} answers 204, then 404', async () => {
    const agent = await createAgent({ ...seedAgent, name: 'Short-lived' });
    expect((await app.http.delete(`/api/v1/agents/${agent.id}`, as())).status).toBe(204);
    expect((await app.http.get(`/api/v1/agents/${agent.id}`, as())).status).toBe(404);
  });
});

describe('seed 004 agent execution', () => {
  let agentId: string;
  let sessionId: string;
  beforeAll(async () => {
    agentId = (await createAgent()).id;
    sessionId = (await createSession({ user_id: 'user-123', title: 'Execution' })).id;
  });

  it('POST /agents/{id}/execute takes an AgentExecutionRequest and answers an AgentExecutionResponse', async () => {
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      {
        session_id: sessionId,
        message: 'What are the main benefits of solar energy?',
        agent_id: agentId,
        stream: false,
        metadata: { client: 'api' },
      },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      session_id: sessionId,
      message_id: expect.any(String),
      content: expect.stringContaining(OFFLINE_PREFIX),
      metadata: expect.any(Object),
      tool_calls: [],
      execution_time_ms: expect.any(Number),
    });
    expect(Number.isInteger(response.body.execution_time_ms)).toBe(true);
    // The session was created without an agent: this first turn in it made it the agent's.
    expect((await app.http.get(`/api/v1/sessions/${sessionId}`, as())).body.agent_id).toBe(agentId);
    // message_id is the agent's answer, stored in the session after the user's message.
    const answer = await app.http.get(`/api/v1/messages/${response.body.message_id}`, as());
    expect(answer.body).toMatchObject({
      session_id: sessionId,
      role: 'assistant',
      content: response.body.content,
    });
    const messages = (await app.http.get(`/api/v1/sessions/${sessionId}/messages`, as())).body;
    expect(messages.at(-2)).toMatchObject({
      role: 'user',
      content: 'What are the main benefits of solar energy?',
      metadata: { client: 'api' },
    });
  });

  it('POST /agents/{id}/execute with the AgentExecutionRequest defaults (no agent_id, stream, metadata)', async () => {
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { session_id: sessionId, message: 'And in winter?' },
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.session_id).toBe(sessionId);
  });

  it('POST /agents/{id}/execute/stream answers text/event-stream ending with the result', async () => {
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/${agentId}/execute/stream`,
      { session_id: sessionId, message: 'Summarize that in one line', stream: true, metadata: {} },
      as(),
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const last = streamed.events.at(-1);
    expect(last?.event).toBe('run-completed');
    expect(last?.data).toMatchObject({
      session_id: sessionId,
      message_id: expect.any(String),
      content: expect.stringContaining(OFFLINE_PREFIX),
    });
    const text = streamed.events
      .filter((event) => event.event === 'text-delta')
      .map((event) => event.data.text)
      .join('');
    expect(text.trim()).toBe(last?.data.content);
  });
});

describe('seed 004 error model', () => {
  const errorResponseFields = (path: string) => ({
    error: true,
    code: expect.any(String),
    message: expect.any(String),
    correlation_id: expect.any(String),
    timestamp: expect.any(String),
    path,
  });

  it('answers a validation failure with 422, ErrorResponse and ValidationErrorDetail {field, message, value}', async () => {
    const session = await createSession();
    const path = `/api/v1/sessions/${session.id}/messages`;
    const response = await app.http.post(path, { content: 'Hi', role: 'robot' }, as());
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      ...errorResponseFields(path),
      code: 'validation_error',
      error_code: 'validation_error',
      validation_errors: [{ field: 'role', message: expect.any(String), value: 'robot' }],
    });
    expect(Number.isNaN(Date.parse(response.body.timestamp))).toBe(false);
    expect('details' in response.body).toBe(true);
  });

  it('carries seed 004’s ErrorCode names: authentication_error, authorization_error', async () => {
    const unauthenticated = await app.http.get('/api/v1/sessions');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toMatchObject({
      ...errorResponseFields('/api/v1/sessions'),
      error_code: 'authentication_error',
    });

    const session = await createSession();
    const crossOrganization = await app.http.get(`/api/v1/sessions/${session.id}`, as(stranger));
    expect(crossOrganization.status).toBe(403);
    expect(crossOrganization.body).toMatchObject({
      ...errorResponseFields(`/api/v1/sessions/${session.id}`),
      error_code: 'authorization_error',
    });
  });

  it('authenticates an API key sent as `Authorization: Bearer <api-key>`', async () => {
    const created = await app.http.post('/api/v1/api-keys', { name: 'seed 004 client' }, as());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // Agentry's keys start with agk_ rather than the seed's sk- (docs/decisions/0015-seed-adaptations.md §23).
    expect(created.body.key).toMatch(/^agk_/);
    const listed = await app.http.get('/api/v1/sessions', { token: created.body.key });
    expect(listed.status).toBe(200);
  });

  it('uses the caller’s X-Request-ID as the correlation id, and makes one up otherwise', async () => {
    const traced = await app.http.get('/api/v1/sessions/not-a-uuid', {
      ...as(),
      headers: { 'x-request-id': 'seed-004-trace-1' },
    });
    expect(traced.status).toBe(422);
    expect(traced.headers.get('x-request-id')).toBe('seed-004-trace-1');
    expect(traced.body.correlation_id).toBe('seed-004-trace-1');

    const untraced = await app.http.get('/api/v1/sessions/not-a-uuid', as());
    expect(untraced.body.correlation_id).toBe(untraced.headers.get('x-request-id'));
    expect(untraced.body.correlation_id).not.toBe('seed-004-trace-1');
  });
});

describe('seed 004 health checks and real-time events', () => {
  it('answers liveness at /health and readiness at /health/ready', async () => {
    const live = await app.http.get('/health');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await app.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
  });

  it('lists the health of the model services an organization uses at /api/v1/health/services', async () => {
    const response = await app.http.get('/api/v1/health/services', as());
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(Array.isArray(response.body)).toBe(true);
  });

  it('pushes an agent execution to a WebSocket client live (/api/v1/ws)', async () => {
    const socket = await openEventSocket(`${app.url.replace('http', 'ws')}/api/v1/ws`, {
      authorization: `Bearer ${user.token}`,
    });
    const agent = await createAgent();
    const session = await createSession();
    const turn = await app.http.post(
      `/api/v1/agents/${agent.id}/execute`,
      { session_id: session.id, message: 'Hello over the socket', stream: false },
      as(),
    );
    expect(turn.status).toBe(200);
    await expect
      .poll(() => socket.events.find((event) => event.type === 'run-completed'), { timeout: 5_000 })
      .toMatchObject({ data: { session_id: session.id, agent_id: agent.id } });
    socket.close();
  });
});

// The scenarios below start Agentry apps of their own. Starting and stopping one blocks this
// process for a moment, which the apps already running read as overload (503 overloaded) for
// about a second: so they come last, once the shared app has answered everything.
describe('seed 004 resilience: errors of an external LLM service', () => {
  const KEY = 'sk-stub-key-0123456789';
  let stub: OpenAiStub;
  let resilient: TestApp;
  let account: TestAccount;

  /** An OpenAI-compatible provider at the stub, and an agent whose model_config names it. */
  async function agentOnNewProvider(name: string) {
    const provider = await resilient.http.post(
      '/api/v1/providers',
      { name, type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      as(account),
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    await expect
      .poll(
        async () =>
          (await resilient.http.get(`/api/v1/providers/${provider.body.id}`, as(account))).body
            .validation_status,
        { timeout: 10_000 },
      )
      .toBe('connected');
    const agent = await resilient.http.post(
      '/api/v1/agents',
      { ...seedAgent, name: `${name} agent`, model_config: { provider: name, model: 'gpt-stub' } },
      as(account),
    );
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    return agent.body.id as string;
  }

  const execute = (agentId: string) =>
    resilient.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Hello', stream: false },
      as(account),
    );
  const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');

  beforeAll(async () => {
    stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
    // Seed 004's RetrySettings.llm_max_attempts (3) and CircuitBreakerSettings.llm_failure_threshold (5).
    resilient = await startTestApp({
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      LLM_RETRY_MAX_ATTEMPTS: '3',
      LLM_RETRY_BASE_DELAY_MS: '1',
      LLM_RETRY_MAX_DELAY_MS: '5',
      LLM_BREAKER_FAILURE_THRESHOLD: '5',
    });
    account = await registerAccount(resilient.http, 'Resilient');
  });
  afterAll(async () => {
    await resilient.close();
    await stub.close();
  });

  it('answers a non-retryable failure with 502 external_service_error, after one call', async () => {
    const agentId = await agentOnNewProvider('Refusing');
    stub.reset();
    stub.enqueue({ type: 'error', status: 400, message: 'bad request' });
    const response = await execute(agentId);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ error: true, error_code: 'external_service_error' });
    expect(completions()).toHaveLength(1);
  });

  it('retries a retryable failure 3 times, then answers 503 external_service_error with Retry-After', async () => {
    const agentId = await agentOnNewProvider('Unavailable');
    stub.reset();
    stub.failNext(3, 503);
    const response = await execute(agentId);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: true, error_code: 'external_service_error' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(completions()).toHaveLength(3);
  });

  it('opens the circuit after 5 failed calls: circuit_breaker_open, without calling the service', async () => {
    const agentId = await agentOnNewProvider('Flaky');
    stub.reset();
    stub.failNext(15, 500);
    for (let failure = 0; failure < 5; failure++) expect((await execute(agentId)).status).toBe(503);
    expect(completions()).toHaveLength(15);
    const refused = await execute(agentId);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: true, error_code: 'circuit_breaker_open' });
    expect(completions()).toHaveLength(15);
  });
});

describe('seed 004 rate limiting', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMIT_ENABLED: 'true' });
  });
  afterAll(() => limited.close());

  it('limits session creation to 10 a minute: 429 rate_limit_error with Retry-After', async () => {
    const account = await registerAccount(limited.http, 'Limited');
    // Agentry limits per tier and route class (DESIGN section 10, "limits"), not per route: the
    // seed's 10 session creations a minute are the free tier's 10 writes
    // (docs/decisions/0015-seed-adaptations.md §3).
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof limited.http.post>> | undefined;
    for (let index = 0; index < 11; index++) {
      const response = await limited.http.post(
        '/api/v1/sessions',
        { title: `Session ${index}` },
        as(account),
      );
      statuses.push(response.status);
      if (response.status === 429) refusal = response;
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    expect(refusal?.body).toMatchObject({
      error: true,
      code: 'rate_limited',
      error_code: 'rate_limit_error',
      path: '/api/v1/sessions',
    });
    expect(Number(refusal?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('tells the client its budget on every answer (RateLimit-Limit, -Remaining, -Reset)', async () => {
    const account = await registerAccount(limited.http, 'Reader');
    const response = await limited.http.get('/api/v1/sessions', as(account));
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('ratelimit-remaining'))).toBe(
      Number(response.headers.get('ratelimit-limit')) - 1,
    );
    expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  });
});

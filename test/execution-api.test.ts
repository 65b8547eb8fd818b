import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineSuggestions } from '../src/modules/execution/suggestions.ts';
import { OFFLINE_PREFIX } from '../src/platform/llm/offline-model.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { postForEvents } from './support/sse-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Execution with no provider configured: every turn is answered by the built-in offline model, so
 * these tests are deterministic and need no network. Provider behaviour (retries, breakers,
 * fallback, cancellation upstream) is in execution-providers.test.ts.
 */
let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  member = await addMember(app.http, owner, 'agent_user');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
});
afterAll(() => app.close());

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(body: Record<string, unknown>, account = owner) {
  const response = await app.http.post('/api/v1/agents', { name: 'Support', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; version: number };
}

async function execute(agentId: string, body: Record<string, unknown>, account = member) {
  return app.http.post(`/api/v1/agents/${agentId}/execute`, body, as(account));
}

async function executeOk(agentId: string, body: Record<string, unknown>, account = member) {
  const response = await execute(agentId, body, account);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const messagesOf = async (sessionId: string) =>
  (await app.http.get(`/api/v1/sessions/${sessionId}/messages?limit=200`, as(owner))).body as {
    role: string;
    content: string;
    metadata: Record<string, unknown>;
  }[];

const REFUND_PROMPT =
  'You are the support agent of Acme Cloud. Refunds are processed within 5 business days.';

describe('POST /api/v1/agents/{id}/execute with the offline model', () => {
  it('answers, opens a new session with initial_ai_msg, and persists the exchange, the run and its actions', async () => {
    const named = {
      prompt: REFUND_PROMPT,
      initial_ai_msg: 'Hello! How can I help you today?',
      tools: ['current_time', 'no_such_tool'],
    };
    // A tool the organization does not have is refused when the agent is written...
    const refused = await app.http.post('/api/v1/agents', { name: 'Support', ...named }, as(owner));
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0]).toMatchObject({ field: 'tools', value: ['no_such_tool'] });
    // ...and one deleted since the agent named it is skipped by the turn, with a warning.
    const doomed = await app.http.post(
      '/api/v1/tools',
      { name: 'no_such_tool', http: { method: 'GET', url_template: 'https://tools.example.com/gone' } },
      as(owner),
    );
    expect(doomed.status, JSON.stringify(doomed.body)).toBe(201);
    const agent = await createAgent(named);
    expect((await app.http.delete(`/api/v1/tools/${doomed.body.id}`, as(owner))).status).toBe(204);
    const body = await executeOk(agent.id, {
      message: 'How long do refunds take?',
      user_id: 'customer-7',
      metadata: { channel: 'web' },
    });
    expect(body).toEqual({
      session_id: expect.any(String),
      message_id: expect.any(String),
      user_message_id: expect.any(String),
      run_id: expect.any(String),
      content: expect.stringContaining(OFFLINE_PREFIX),
      tool_calls: [],
      metadata: {
        usage: {
          input_tokens: expect.any(Number),
          output_tokens: expect.any(Number),
          total_tokens: expect.any(Number),
        },
        cost_estimate: 0,
        model: 'agentry-offline',
        provider: { id: 'offline', name: expect.any(String), type: 'offline' },
        fallback_used: false,
        suggestions: offlineSuggestions('How long do refunds take?'),
        warnings: ['Unknown tool "no_such_tool" ignored'],
        memory_confidence: 0,
      },
      execution_time_ms: expect.any(Number),
    });
    expect(body.content).toContain('Most relevant: "Refunds are processed within 5 business days."');
    expect(body.metadata.usage.total_tokens).toBe(
      body.metadata.usage.input_tokens + body.metadata.usage.output_tokens,
    );
    expect(body.metadata.usage.input_tokens).toBeGreaterThan(0);

    const session = (await app.http.get(`/api/v1/sessions/${body.session_id}`, as(owner))).body;
    expect(session).toMatchObject({ agent_id: agent.id, user_id: 'customer-7', message_count: 3 });
    const messages = await messagesOf(body.session_id);
    expect(messages.map((message) => [message.role, message.content])).toEqual([
      ['assistant', 'Hello! How can I help you today?'],
      ['user', 'How long do refunds take?'],
      ['assistant', body.content],
    ]);
    expect(messages[1]?.metadata).toEqual({ channel: 'web' });
    expect(messages[2]?.metadata).toMatchObject({ run_id: body.run_id, model: 'agentry-offline' });

    const run = (await app.http.get(`/api/v1/runs/${body.run_id}`, as(reader))).body;
    expect(run).toMatchObject({
      id: body.run_id,
      organization_id: owner.organizationId,
      agent_id: agent.id,
      agent_version: 1,
      session_id: body.session_id,
      trigger: 'chat',
      status: 'completed',
      input: { message: 'How long do refunds take?', metadata: { channel: 'web' } },
      output: body.content,
      error: null,
      usage: body.metadata.usage,
      cost_estimate: 0,
      model: 'agentry-offline',
      provider_id: 'offline',
      provider_type: 'offline',
      fallback_used: false,
      warnings: ['Unknown tool "no_such_tool" ignored'],
      created_by_user_id: member.userId,
    });
    expect(run.duration_ms).toBeGreaterThanOrEqual(0);
    expect(run.actions.map((action: { action_type: string }) => action.action_type)).toEqual([
      'llm_call',
      'chat_response',
    ]);
    expect(run.actions[0]).toMatchObject({
      sequence: 1,
      success: true,
      action_data: { step: 1, model: 'agentry-offline', provider_id: 'offline' },
      result_data: { finish_reason: 'stop', usage: body.metadata.usage },
    });
    expect(run.actions[1]).toMatchObject({
      action_data: { session_id: body.session_id, message_id: body.message_id },
    });

    const after = (await app.http.get(`/api/v1/agents/${agent.id}`, as(owner))).body;
    expect(after).toMatchObject({
      interaction_count: 1,
      last_interaction_at: expect.any(String),
      runtime: { state: 'idle', health: 'healthy', consecutive_failures: 0 },
      version: 1,
    });
  });

  it('continues a session: the model sees the thread, no second greeting, runs pin the agent version', async () => {
    const agent = await createAgent({ prompt: REFUND_PROMPT, initial_ai_msg: 'Hi!' });
    const first = await executeOk(agent.id, { message: 'My order number is 4711.' });
    await app.http.patch(`/api/v1/agents/${agent.id}`, { tone: 'warm' }, as(owner));
    const second = await executeOk(agent.id, {
      session_id: first.session_id,
      message: 'What was my order number?',
    });
    expect(second.session_id).toBe(first.session_id);
    // The offline model quotes the context passage closest to the question: the earlier message,
    // or the thread memory learnt from it when the memory job ran before this turn.
    expect(second.content).toMatch(/order number is 4711\./);
    expect((await messagesOf(first.session_id)).map((message) => message.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const runs = (await app.http.get(`/api/v1/runs?agent_id=${agent.id}`, as(owner))).body;
    expect(runs.map((run: { agent_version: number }) => run.agent_version)).toEqual([2, 1]);
    const agentView = (await app.http.get(`/api/v1/agents/${agent.id}`, as(owner))).body;
    expect(agentView.interaction_count).toBe(2);
  });

  it('refuses a session of another agent or end user, another organization’s session, and an inactive agent', async () => {
    const agent = await createAgent({});
    const other = await createAgent({});
    const turn = await executeOk(agent.id, { message: 'hello', user_id: 'alice' });
    expectError(
      await execute(other.id, { message: 'hi', session_id: turn.session_id }),
      400,
      'session_agent_mismatch',
    );
    expectError(
      await execute(agent.id, { message: 'hi', session_id: turn.session_id, user_id: 'bob' }),
      400,
      'session_user_mismatch',
    );
    const theirs = await createAgent({}, stranger);
    const theirTurn = await executeOk(theirs.id, { message: 'hello' }, stranger);
    expectError(
      await execute(agent.id, { message: 'hi', session_id: theirTurn.session_id }),
      403,
      'authorization_error',
    );
    await app.http.patch(`/api/v1/agents/${other.id}`, { status: 'inactive' }, as(owner));
    expectError(await execute(other.id, { message: 'hi' }), 400, 'agent_inactive');
    expectError(await execute(agent.id, { message: '' }), 422, 'validation_error');
    expectError(await execute(agent.id, { message: 'hi', extra: true }), 422, 'validation_error');
    expectError(await execute('01890000-0000-7000-8000-000000000000', { message: 'hi' }), 404, 'not_found');
  });

  it('calls a tool the user names and records the tool call', async () => {
    const agent = await createAgent({ tools: ['current_time'], show_suggestions_after_each_message: false });
    const body = await executeOk(agent.id, { message: 'Please use current_time for me' });
    expect(body.tool_calls).toEqual([
      {
        id: expect.any(String),
        name: 'current_time',
        input: { timezone: 'Please use current_time for me' },
        output: expect.objectContaining({
          iso: expect.any(String),
          timezone: 'UTC',
          warning: expect.any(String),
        }),
        success: true,
        duration_ms: expect.any(Number),
        origin: { kind: 'builtin' },
      },
    ]);
    expect(body.content).toContain('The current_time tool returned:');
    expect(body.metadata.suggestions).toBeUndefined();
    const run = (await app.http.get(`/api/v1/runs/${body.run_id}`, as(owner))).body;
    expect(run.actions.map((action: { action_type: string }) => action.action_type)).toEqual([
      'llm_call',
      'tool_call',
      'llm_call',
      'chat_response',
    ]);
    expect(run.actions[1]).toMatchObject({
      action_data: {
        tool: 'current_time',
        input: { timezone: 'Please use current_time for me' },
        origin: { kind: 'builtin' },
      },
      result_data: { output: { timezone: 'UTC' } },
      success: true,
    });
    const messages = await messagesOf(body.session_id);
    expect(messages.at(-1)).toMatchObject({ role: 'assistant' });
    const actions = await app.http.get(
      `/api/v1/agents/${agent.id}/actions?action_type=tool_call`,
      as(reader),
    );
    expect(actions.status).toBe(200);
    expect(actions.headers.get('x-total-count')).toBe('1');
    expect(actions.body[0]).toMatchObject({ run_id: body.run_id, action_type: 'tool_call' });
  });

  it('searches the session’s own messages with search_session_messages', async () => {
    const agent = await createAgent({ tools: ['search_session_messages'] });
    const message = 'Remember the blue invoice, please use search_session_messages';
    const first = await executeOk(agent.id, { message });
    // Nothing stored yet when the first turn searches: its own message is persisted after it.
    expect(first.tool_calls[0]).toMatchObject({ name: 'search_session_messages', output: { matches: [] } });
    const second = await executeOk(agent.id, { session_id: first.session_id, message });
    const matches = second.tool_calls[0].output.matches;
    expect(
      matches.map((match: { role: string; content: string }) => [match.role, match.content]),
    ).toContainEqual(['user', message]);
    const elsewhere = await executeOk(agent.id, { message });
    expect(elsewhere.tool_calls[0].output.matches).toEqual([]);
  });
});

describe('streaming', () => {
  const endedWith = (events: { event: string }[]) => events.map((event) => event.event);

  it('streams run-started, the text deltas and run-completed, on /execute/stream and with stream: true', async () => {
    const agent = await createAgent({ prompt: REFUND_PROMPT });
    for (const [path, body] of [
      ['execute/stream', { message: 'How long do refunds take?' }],
      ['execute', { message: 'How long do refunds take?', stream: true }],
    ] as const) {
      const streamed = await postForEvents(`${app.url}/api/v1/agents/${agent.id}/${path}`, body, as(member));
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('x-request-id')).toBeTruthy();
      const names = endedWith(streamed.events);
      expect(names[0]).toBe('run-started');
      expect(names.at(-1)).toBe('run-completed');
      expect(names.filter((name) => name === 'text-delta').length).toBeGreaterThan(5);
      const started = streamed.events[0]?.data;
      const completed = streamed.events.at(-1)?.data;
      expect(started).toMatchObject({
        type: 'run-started',
        run_id: completed.run_id,
        model: 'agentry-offline',
      });
      const text = streamed.events
        .filter((event) => event.event === 'text-delta')
        .map((event) => event.data.text)
        .join('');
      expect(text.trim()).toBe(completed.content);
      expect(completed).toMatchObject({
        session_id: expect.any(String),
        message_id: expect.any(String),
        usage: { total_tokens: expect.any(Number) },
        cost_estimate: 0,
      });
      const run = (await app.http.get(`/api/v1/runs/${completed.run_id}`, as(owner))).body;
      expect(run).toMatchObject({ status: 'completed', output: completed.content });
    }
  });

  it('streams tool calls and their results before the answer', async () => {
    const agent = await createAgent({ tools: ['current_time'] });
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/${agent.id}/execute/stream`,
      { message: 'Please use current_time' },
      as(member),
    );
    const names = endedWith(streamed.events);
    expect(names.indexOf('tool-call')).toBeGreaterThan(0);
    expect(names.indexOf('tool-result')).toBeGreaterThan(names.indexOf('tool-call'));
    expect(names.indexOf('text-delta')).toBeGreaterThan(names.indexOf('tool-result'));
    expect(streamed.events.find((event) => event.event === 'tool-result')?.data).toMatchObject({
      name: 'current_time',
      success: true,
      output: { iso: expect.any(String) },
    });
  });

  it('follows use_streaming when the request does not say', async () => {
    const agent = await createAgent({ use_streaming: true });
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/${agent.id}/execute`,
      { message: 'hi' },
      as(member),
    );
    expect(streamed.events.at(-1)?.event).toBe('run-completed');
    const plain = await execute(agent.id, { message: 'hi', stream: false });
    expect(plain.status).toBe(200);
    expect(plain.body.content).toContain(OFFLINE_PREFIX);
  });

  it('answers errors before the run as JSON, not as a stream', async () => {
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/01890000-0000-7000-8000-000000000000/execute/stream`,
      { message: 'hi' },
      as(member),
    );
    expect(streamed.status).toBe(404);
    expect(streamed.body).toMatchObject({ error: true, code: 'not_found' });
    const anonymous = await postForEvents(`${app.url}/api/v1/agents/x/execute/stream`, { message: 'hi' });
    expect(anonymous.status).toBe(401);
  });
});

describe('concurrency', () => {
  it('16 concurrent turns on one session lose no message', async () => {
    const agent = await createAgent({
      initial_ai_msg: 'Welcome!',
      show_suggestions_after_each_message: false,
    });
    const first = await executeOk(agent.id, { message: 'turn 0' });
    const turns = await Promise.all(
      Array.from({ length: 15 }, (_, index) =>
        execute(agent.id, { session_id: first.session_id, message: `turn ${index + 1}` }),
      ),
    );
    for (const turn of turns) expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    const session = (await app.http.get(`/api/v1/sessions/${first.session_id}`, as(owner))).body;
    expect(session.message_count).toBe(32 + 1);
    const messages = await messagesOf(first.session_id);
    expect(messages).toHaveLength(33);
    const userMessages = messages
      .filter((message) => message.role === 'user')
      .map((message) => message.content);
    expect(new Set(userMessages)).toEqual(new Set(Array.from({ length: 16 }, (_, index) => `turn ${index}`)));
    const view = (await app.http.get(`/api/v1/agents/${agent.id}`, as(owner))).body;
    expect(view.interaction_count).toBe(16);
    expect(view.runtime.state).toBe('idle');
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agent.id}&status=completed&limit=5`, as(owner));
    expect(runs.headers.get('x-total-count')).toBe('16');
    expect(runs.body).toHaveLength(5);
  });
});

describe('POST /api/v1/agents/{id}/preview-context', () => {
  it('shows the system prompt built from behaviour, identity, traits, tone, style and length', async () => {
    const agent = await createAgent({
      name: 'Nova',
      role: 'billing assistant',
      prompt: 'Answer billing questions.',
      identity: { mission: 'Resolve invoices quickly' },
      traits: { empathy: 90, humor: 10, creativity: 50, safety: 50, confidence: 50 },
      tone: 'cheerful',
      communication_style: 'casual',
      response_length: 'brief',
      initial_context: 'Invoices are sent on the 1st of each month.',
      tools: ['current_time'],
    });
    const response = await app.http.post(
      `/api/v1/agents/${agent.id}/preview-context`,
      { message: 'When do invoices arrive?' },
      as(reader),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const preview = response.body;
    expect(preview.system_prompt).toBe(
      [
        'Answer billing questions.',
        '',
        '# Identity',
        'Your name is Nova.',
        'Your role: billing assistant.',
        'Your mission: Resolve invoices quickly',
        '',
        '# Personality',
        '- Show empathy: acknowledge how the user feels before solving the problem.',
        '- Do not joke; keep a serious register.',
        '',
        '# Communication',
        '- Tone: cheerful.',
        '- Communication style: casual.',
        '- Keep your answers brief: one to three sentences.',
        '',
        '# Background',
        'Invoices are sent on the 1st of each month.',
      ].join('\n'),
    );
    expect(preview).toMatchObject({
      agent_id: agent.id,
      agent_version: 1,
      model: 'agentry-offline',
      provider: { id: 'offline', type: 'offline' },
      messages: [{ role: 'user', content: 'When do invoices arrive?', source: 'user_message' }],
      tools: ['current_time'],
      budget_tokens: 100_000,
      max_output_tokens: 256,
      dropped: [],
    });
    expect(preview.sections.map((section: { source: string }) => section.source)).toEqual([
      'system_prompt',
      'initial_context',
      'user_message',
    ]);
    expect(preview.estimated_tokens).toBe(
      preview.sections.reduce((sum: number, section: { tokens: number }) => sum + section.tokens, 0),
    );
  });

  it('caps output by response_length and max_tokens', async () => {
    const cases = [
      [{ response_length: 'brief', max_tokens: 2_000 }, 256],
      [{ response_length: 'moderate', max_tokens: 2_000 }, 1_024],
      [{ response_length: 'detailed', max_tokens: 2_000 }, 2_000],
      [{ response_length: 'detailed', max_tokens: 9_000 }, 4_096],
      [{ response_length: 'moderate' }, 500],
    ] as const;
    for (const [settings, expected] of cases) {
      const agent = await createAgent(settings);
      const preview = await app.http.post(
        `/api/v1/agents/${agent.id}/preview-context`,
        { message: 'x' },
        as(owner),
      );
      expect(preview.body.max_output_tokens, JSON.stringify(settings)).toBe(expected);
    }
  });

  it('drops the oldest thread messages first when over max_context_size', async () => {
    const agent = await createAgent({ max_context_size: 1_000, memory: { thread_window: 10 } });
    const session = (await app.http.post('/api/v1/sessions', { agent_id: agent.id }, as(owner))).body;
    const long = (label: string) => `${label} ${'x'.repeat(1_599 - label.length)}`; // 400 tokens
    for (const label of ['first', 'second', 'third', 'fourth']) {
      await app.http.post(`/api/v1/sessions/${session.id}/messages`, { content: long(label) }, as(owner));
    }
    const preview = (
      await app.http.post(
        `/api/v1/agents/${agent.id}/preview-context`,
        { message: 'latest question', session_id: session.id },
        as(owner),
      )
    ).body;
    expect(preview.dropped.map((message: { content: string }) => message.content.split(' ')[0])).toEqual([
      'first',
      'second',
    ]);
    expect(preview.messages.map((message: { content: string; source: string }) => message.source)).toEqual([
      'thread',
      'thread',
      'user_message',
    ]);
    expect(preview.messages[0].content.startsWith('third')).toBe(true);
    expect(preview.estimated_tokens).toBeLessThanOrEqual(1_000);
    expect(preview.sections).toContainEqual({ source: 'thread', tokens: 1_600, included: true });

    const tooBig = await app.http.post(
      `/api/v1/agents/${agent.id}/preview-context`,
      { message: 'y'.repeat(5_000) },
      as(owner),
    );
    expectError(tooBig, 400, 'context_too_large');
  });
});

describe('POST /api/v1/agents/{id}/test', () => {
  it('answers one prompt without a session and records a test run (seed 003 shape)', async () => {
    const agent = await createAgent({ name: 'Classifier', prompt: REFUND_PROMPT });
    const sessionsBefore = (await app.http.get(`/api/v1/sessions?agent_id=${agent.id}`, as(owner))).body
      .length;
    const response = await app.http.post(
      `/api/v1/agents/${agent.id}/test`,
      { prompt: 'How long do refunds take?' },
      as(member),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({
      agent_id: agent.id,
      agent_name: 'Classifier',
      prompt: 'How long do refunds take?',
      response: expect.stringContaining('Refunds are processed within 5 business days.'),
      elapsed_time: expect.any(Number),
      model_name: 'agentry-offline',
      provider_name: expect.any(String),
      provider_type: 'offline',
      run_id: expect.any(String),
    });
    expect(response.body.elapsed_time).toBeLessThan(30);
    expect((await app.http.get(`/api/v1/sessions?agent_id=${agent.id}`, as(owner))).body).toHaveLength(
      sessionsBefore,
    );
    const run = (await app.http.get(`/api/v1/runs/${response.body.run_id}`, as(owner))).body;
    expect(run).toMatchObject({ trigger: 'test', session_id: null, status: 'completed' });
    const tests = await app.http.get(`/api/v1/runs?trigger=test&agent_id=${agent.id}`, as(owner));
    expect(tests.body).toHaveLength(1);
  });
});

describe('runs and actions', () => {
  it('lists runs newest first with filters and pagination; another organization’s run is 403, an unknown one 404', async () => {
    const agent = await createAgent({});
    const ids: string[] = [];
    for (const message of ['one', 'two', 'three']) ids.push((await executeOk(agent.id, { message })).run_id);
    const page = await app.http.get(`/api/v1/runs?agent_id=${agent.id}&limit=2&offset=1`, as(reader));
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count')).toBe('3');
    expect(page.body.map((run: { id: string }) => run.id)).toEqual([ids[1], ids[0]]);
    expect((await app.http.get(`/api/v1/runs?agent_id=${agent.id}&status=failed`, as(owner))).body).toEqual(
      [],
    );
    expect((await app.http.get(`/api/v1/runs?status=bogus`, as(owner))).status).toBe(422);

    expectError(await app.http.get(`/api/v1/runs/${ids[0]}`, as(stranger)), 403, 'authorization_error');
    expectError(
      await app.http.get('/api/v1/runs/01890000-0000-7000-8000-000000000000', as(owner)),
      404,
      'not_found',
    );
    const theirs = await app.http.get(`/api/v1/runs?agent_id=${agent.id}`, as(stranger));
    expect(theirs.body).toEqual([]);
    expectError(
      await app.http.get(`/api/v1/agents/${agent.id}/actions`, as(stranger)),
      403,
      'authorization_error',
    );
  });

  it('lists no external services for an organization that only used the offline model', async () => {
    const response = await app.http.get('/api/v1/health/services', as(owner));
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
    expectError(await app.http.get('/api/v1/health/services', as(reader)), 403, 'authorization_error');
    expect((await app.http.get('/api/v1/health/services')).status).toBe(401);
  });
});

describe('roles', () => {
  it('agent_user may execute; readonly may preview and read runs but not execute or test', async () => {
    const agent = await createAgent({});
    expect((await execute(agent.id, { message: 'hi' }, member)).status).toBe(200);
    expectError(await execute(agent.id, { message: 'hi' }, reader), 403, 'authorization_error');
    expectError(
      await app.http.post(`/api/v1/agents/${agent.id}/execute/stream`, { message: 'hi' }, as(reader)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.post(`/api/v1/agents/${agent.id}/test`, { prompt: 'hi' }, as(reader)),
      403,
      'authorization_error',
    );
    expect(
      (await app.http.post(`/api/v1/agents/${agent.id}/preview-context`, { message: 'hi' }, as(reader)))
        .status,
    ).toBe(200);
    expect((await app.http.get('/api/v1/runs', as(reader))).status).toBe(200);
    expectError(
      await app.http.post(`/api/v1/agents/${agent.id}/execute`, { message: 'hi' }),
      401,
      'authentication_error',
    );
    expectError(await app.http.get('/api/v1/runs'), 401, 'authentication_error');
  });
});

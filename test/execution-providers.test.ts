import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import type { RecordedRequest } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { postForEvents } from './support/sse-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Execution against real providers (POST /api/v1/providers) pointed at OpenAI-compatible stub
 * servers: what the provider receives, tools, usage and cost, streaming and cancellation,
 * retries, the circuit breaker and the fallback model, timeouts and the tool-loop bound.
 */
const KEY = 'sk-stub-key-0123456789';
let primary: OpenAiStub;
let backup: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let stubProvider: string;
let backupProvider: string;

const as = (account: TestAccount) => ({ token: account.token });

async function createProvider(body: Record<string, unknown>) {
  const response = await app.http.post(
    '/api/v1/providers',
    { type: 'openai_compatible', api_key: KEY, ...body },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** Polls until the provider's background validation settles. */
async function settled(providerId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const provider = (await app.http.get(`/api/v1/providers/${providerId}`, as(owner))).body;
    if (['connected', 'error'].includes(provider.validation_status)) return provider;
    if (Date.now() > deadline) throw new Error(`validation did not settle: ${JSON.stringify(provider)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createAgent(body: Record<string, unknown>) {
  const response = await app.http.post(
    '/api/v1/agents',
    // Without memory: its extraction would be one more model call to the stub, racing the replies queued here.
    {
      name: 'Stubby',
      model: 'gpt-stub',
      show_suggestions_after_each_message: false,
      use_memory_context: false,
      ...body,
    },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

const execute = (agentId: string, body: Record<string, unknown>) =>
  app.http.post(`/api/v1/agents/${agentId}/execute`, body, as(owner));

async function executeOk(agentId: string, body: Record<string, unknown>) {
  const response = await execute(agentId, body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const completions = (stub: OpenAiStub) =>
  stub.requests.filter((request) => request.path === '/v1/chat/completions');
const bodyOf = (request: RecordedRequest | undefined) => request?.body as Record<string, any>;
const run = async (runId: string) => (await app.http.get(`/api/v1/runs/${runId}`, as(owner))).body;
const latestRun = async (agentId: string) =>
  (await app.http.get(`/api/v1/runs?agent_id=${agentId}&limit=1`, as(owner))).body[0];

beforeAll(async () => {
  primary = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  backup = await startOpenAiStub({ apiKey: KEY, models: ['gpt-backup'] });
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    LLM_RETRY_MAX_ATTEMPTS: '3',
    LLM_RETRY_BASE_DELAY_MS: '1',
    LLM_RETRY_MAX_DELAY_MS: '5',
    LLM_BREAKER_FAILURE_THRESHOLD: '2',
    MODEL_PRICES: '{"gpt-stub": {"input": 1, "output": 2}}',
  });
  owner = await registerAccount(app.http, 'Owner');
  // The organization's first provider becomes its default.
  stubProvider = await createProvider({ name: 'Stub', base_url: primary.url });
  backupProvider = await createProvider({ name: 'Backup', base_url: backup.url });
  expect(await settled(stubProvider)).toMatchObject({ validation_status: 'connected' });
  expect(await settled(backupProvider)).toMatchObject({ validation_status: 'connected' });
});
afterAll(async () => {
  await app.close();
  await Promise.all([primary.close(), backup.close()]);
});
beforeEach(() => {
  primary.reset();
  backup.reset();
});

describe('what the provider receives', () => {
  it('gets the system prompt, the greeting and the thread, with the agent’s temperature and output cap', async () => {
    const agentId = await createAgent({
      prompt: 'You are Stubby, the support agent.',
      initial_ai_msg: 'Hi there',
      temperature: 0.2,
      response_length: 'brief',
    });
    const first = await executeOk(agentId, { message: 'first question' });
    expect(first.content).toBe('Echo: first question [gpt-stub]');
    expect(first.metadata).toMatchObject({
      model: 'gpt-stub',
      provider: { id: stubProvider, name: 'Stub', type: 'openai_compatible' },
    });
    await executeOk(agentId, { session_id: first.session_id, message: 'second question' });
    const [firstRequest, secondRequest] = completions(primary);
    expect(primary.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(bodyOf(firstRequest)).toMatchObject({ model: 'gpt-stub', temperature: 0.2, max_tokens: 256 });
    const messages = bodyOf(secondRequest).messages as { role: string; content: string }[];
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toContain('You are Stubby, the support agent.');
    expect(messages[0]?.content).toContain('Keep your answers brief');
    expect(messages.slice(1)).toEqual([
      { role: 'assistant', content: 'Hi there' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'Echo: first question [gpt-stub]' },
      { role: 'user', content: 'second question' },
    ]);
  });

  it('prices usage from the provider’s token counts', async () => {
    const agentId = await createAgent({});
    primary.enqueue({
      type: 'text',
      text: 'Priced answer',
      usage: { inputTokens: 1_000, outputTokens: 500 },
    });
    const body = await executeOk(agentId, { message: 'how much?' });
    expect(body.metadata.usage).toEqual({ input_tokens: 1_000, output_tokens: 500, total_tokens: 1_500 });
    expect(body.metadata.cost_estimate).toBe(0.002);
    expect(await run(body.run_id)).toMatchObject({ cost_estimate: 0.002, usage: body.metadata.usage });
  });

  it('runs a tool round trip: the call, the result sent back, the final answer', async () => {
    const agentId = await createAgent({ tools: ['current_time'] });
    primary.enqueue(
      {
        type: 'tool-calls',
        toolCalls: [{ id: 'call_1', name: 'current_time', arguments: { timezone: 'Europe/Paris' } }],
      },
      { type: 'text', text: 'It is time.' },
    );
    const body = await executeOk(agentId, { message: 'What time is it in Paris?' });
    expect(body.content).toBe('It is time.');
    expect(body.tool_calls).toEqual([
      {
        id: 'call_1',
        name: 'current_time',
        input: { timezone: 'Europe/Paris' },
        output: { iso: expect.any(String), timezone: 'Europe/Paris', local: expect.any(String) },
        success: true,
        duration_ms: expect.any(Number),
        origin: { kind: 'builtin' },
      },
    ]);
    const [ask, answer] = completions(primary);
    expect(bodyOf(ask).tools).toEqual([
      expect.objectContaining({
        type: 'function',
        function: expect.objectContaining({ name: 'current_time' }),
      }),
    ]);
    const toolMessage = (
      bodyOf(answer).messages as { role: string; content: string; tool_call_id?: string }[]
    ).at(-1);
    expect(toolMessage).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(JSON.parse(toolMessage?.content ?? '{}')).toMatchObject({ timezone: 'Europe/Paris' });
    const actions = (await run(body.run_id)).actions.map(
      (action: { action_type: string }) => action.action_type,
    );
    expect(actions).toEqual(['llm_call', 'tool_call', 'llm_call', 'chat_response']);
  });

  it('asks for follow-up suggestions with the agent’s suggestions_prompt', async () => {
    const agentId = await createAgent({
      show_suggestions_after_each_message: true,
      suggestions_prompt: 'Offer next steps about billing.',
    });
    primary.enqueue(
      { type: 'text', text: 'The answer.' },
      { type: 'text', text: '1. First\n2. "Second"\n- Third\nFourth' },
    );
    const body = await executeOk(agentId, { message: 'question' });
    expect(body.metadata.suggestions).toEqual(['First', 'Second', 'Third']);
    const request = bodyOf(completions(primary)[1]).messages as { role: string; content: string }[];
    expect(request.at(-1)?.content).toContain('Offer next steps about billing.');
    expect(request.at(-2)).toEqual({ role: 'assistant', content: 'The answer.' });
    const actions = (await run(body.run_id)).actions;
    expect(actions[1]).toMatchObject({ action_type: 'llm_call', action_data: { purpose: 'suggestions' } });
  });
});

describe('streaming from a provider', () => {
  it('emits run-started first, the deltas in order, and run-completed last', async () => {
    const agentId = await createAgent({});
    primary.enqueue({ type: 'text', text: 'one two three four five', chunkDelayMs: 5 });
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/${agentId}/execute/stream`,
      { message: 'hi' },
      as(owner),
    );
    const names = streamed.events.map((event) => event.event);
    expect(names[0]).toBe('run-started');
    expect(names.at(-1)).toBe('run-completed');
    expect(names.slice(1, -1).every((name) => name === 'text-delta')).toBe(true);
    const deltas = streamed.events
      .filter((event) => event.event === 'text-delta')
      .map((event) => event.data.text);
    expect(deltas.length).toBeGreaterThanOrEqual(5);
    expect(deltas.join('')).toBe('one two three four five');
    expect(streamed.events.at(-1)?.data).toMatchObject({
      content: 'one two three four five',
      message_id: expect.any(String),
      usage: { total_tokens: expect.any(Number) },
      cost_estimate: expect.any(Number),
    });
    expect(bodyOf(completions(primary)[0]).stream).toBe(true);
  });

  it('cancels the model call when the client disconnects, and the run ends cancelled', async () => {
    const agentId = await createAgent({});
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    primary.enqueue({ type: 'text', text: words, chunkDelayMs: 100 });
    const streamed = await postForEvents(
      `${app.url}/api/v1/agents/${agentId}/execute/stream`,
      { message: 'hi' },
      {
        ...as(owner),
        stopWhen: (_event, events) => events.filter((event) => event.event === 'text-delta').length === 2,
      },
    );
    const runId = streamed.events[0]?.data.run_id;
    await expect.poll(() => primary.abortedRequests, { timeout: 5_000 }).toBe(1);
    await expect.poll(async () => (await run(runId)).status, { timeout: 5_000 }).toBe('cancelled');
    expect(await run(runId)).toMatchObject({ error: { code: 'cancelled' }, session_id: expect.any(String) });
    const session = (await app.http.get(`/api/v1/sessions/${streamed.events[0]?.data.session_id}`, as(owner)))
      .body;
    expect(session.message_count).toBe(0);
    const agent = (await app.http.get(`/api/v1/agents/${agentId}`, as(owner))).body;
    expect(agent.runtime).toMatchObject({ state: 'idle', consecutive_failures: 0 });
    expect(agent.interaction_count).toBe(0);
  });
});

describe('failures, retries, breaker and fallback', () => {
  it('retries a rate limit, then answers', async () => {
    const agentId = await createAgent({});
    primary.enqueue(
      { type: 'error', status: 429, retryAfterSeconds: 0 },
      { type: 'text', text: 'after the retry' },
    );
    const body = await executeOk(agentId, { message: 'hi' });
    expect(body.content).toBe('after the retry');
    expect(completions(primary)).toHaveLength(2);
  });

  it('maps a provider’s refusal to 502 and exhausted retries to 503 with Retry-After', async () => {
    const fragile = await createProvider({ name: 'Fragile', base_url: primary.url });
    const agentId = await createAgent({ provider_id: fragile });
    primary.enqueue({ type: 'error', status: 400, message: 'bad request from the stub' });
    const refused = await execute(agentId, { message: 'hi' });
    expectError(refused, 502, 'provider_error');
    expect(refused.body.message).not.toContain('bad request from the stub');
    expect(completions(primary)).toHaveLength(1);

    primary.failNext(3, 503);
    const unavailable = await execute(agentId, { message: 'hi' });
    expectError(unavailable, 503, 'provider_unavailable');
    expect(unavailable.headers.get('retry-after')).toBe('5');
    expect(await latestRun(agentId)).toMatchObject({
      status: 'failed',
      error: { code: 'provider_unavailable' },
    });
    const agent = (await app.http.get(`/api/v1/agents/${agentId}`, as(owner))).body;
    expect(agent.runtime).toMatchObject({
      state: 'error',
      health: 'warning',
      consecutive_failures: 2,
      last_error: expect.stringContaining('attempts'),
    });
    expect(agent.interaction_count).toBe(0);

    // A success resets the streak (and the provider's breaker).
    await executeOk(agentId, { message: 'hi' });
    const recovered = (await app.http.get(`/api/v1/agents/${agentId}`, as(owner))).body;
    expect(recovered.runtime).toMatchObject({ state: 'idle', health: 'healthy', consecutive_failures: 0 });
  });

  it('opens the breaker after repeated 500s, shows it at /health/services, and lets the fallback model answer', async () => {
    const flaky = await createProvider({ name: 'Flaky', base_url: primary.url });
    const withFallback = await createAgent({
      provider_id: flaky,
      fallback_provider_id: backupProvider,
      fallback_model: 'gpt-backup',
    });
    const withoutFallback = await createAgent({ provider_id: flaky });
    primary.failNext(6, 500);

    // Retries exhausted twice: each time the fallback answers, and the breaker counts a failure.
    for (const attempt of [1, 2]) {
      const body = await executeOk(withFallback, { message: `attempt ${attempt}` });
      expect(body.content).toBe(`Echo: attempt ${attempt} [gpt-backup]`);
      expect(body.metadata).toMatchObject({
        model: 'gpt-backup',
        provider: { id: backupProvider, name: 'Backup' },
        fallback_used: true,
      });
    }
    expect(completions(primary)).toHaveLength(6);
    const health = await app.http.get('/api/v1/health/services', as(owner));
    expect(health.status).toBe(200);
    expect(health.body).toContainEqual(
      expect.objectContaining({
        provider_id: flaky,
        provider_name: 'Flaky',
        state: 'open',
        consecutive_failures: 2,
        opened_at: expect.any(String),
        last_failure: 'Gave up after 3 attempts',
      }),
    );

    // Open: the primary is not called at all; the fallback answers and the run says so.
    const body = await executeOk(withFallback, { message: 'attempt 3' });
    expect(body.content).toBe('Echo: attempt 3 [gpt-backup]');
    expect(completions(primary)).toHaveLength(6);
    expect(await run(body.run_id)).toMatchObject({
      model: 'gpt-backup',
      provider_id: backupProvider,
      provider_name: 'Backup',
      fallback_used: true,
      status: 'completed',
    });

    const refused = await execute(withoutFallback, { message: 'no fallback' });
    expectError(refused, 503, 'provider_circuit_open');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(completions(primary)).toHaveLength(6);

    const stranger = await registerAccount(app.http, 'Stranger');
    expect((await app.http.get('/api/v1/health/services', as(stranger))).body).toEqual([]);
  });

  it('fails the run with code timeout when the turn exceeds timeout_seconds', async () => {
    const agentId = await createAgent({ timeout_seconds: 1 });
    primary.enqueue({ type: 'hang' });
    const started = Date.now();
    const response = await execute(agentId, { message: 'are you there?' });
    expectError(response, 504, 'timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    const failed = await latestRun(agentId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    await expect.poll(() => primary.abortedRequests).toBe(1);
    const agent = (await app.http.get(`/api/v1/agents/${agentId}`, as(owner))).body;
    expect(agent.runtime).toMatchObject({ state: 'error', consecutive_failures: 1 });
  });

  it('bounds a tool loop by max_iterations, the last step without tools', async () => {
    const agentId = await createAgent({ tools: ['current_time'], max_iterations: 3 });
    primary.setScript(() => ({ type: 'tool-calls', toolCalls: [{ name: 'current_time', arguments: {} }] }));
    const response = await execute(agentId, { message: 'loop forever' });
    expectError(response, 502, 'max_iterations_reached');
    const requests = completions(primary);
    expect(requests).toHaveLength(3);
    expect(bodyOf(requests[0]).tool_choice ?? 'auto').toBe('auto');
    expect(bodyOf(requests[2]).tool_choice).toBe('none');
    const failed = await run((await latestRun(agentId)).id);
    expect(failed.status).toBe('failed');
    const types = failed.actions.map((action: { action_type: string }) => action.action_type);
    expect(types.filter((type: string) => type === 'llm_call')).toHaveLength(3);
    // The third reply's tool call breaks the "no tools" rule and is not executed.
    expect(types.filter((type: string) => type === 'tool_call')).toHaveLength(2);
  });
});

describe('POST /api/v1/agents/{id}/test with providers', () => {
  it('answers with a validated provider and refuses an inactive or unvalidated one', async () => {
    const agentId = await createAgent({ name: 'Tester', provider_id: stubProvider });
    const ok = await app.http.post(`/api/v1/agents/${agentId}/test`, { prompt: 'Classify this' }, as(owner));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({
      agent_name: 'Tester',
      response: 'Echo: Classify this [gpt-stub]',
      model_name: 'gpt-stub',
      provider_name: 'Stub',
      provider_type: 'openai_compatible',
    });

    primary.failNextModelLists(1, 401);
    const broken = await createProvider({ name: 'Broken', base_url: primary.url });
    expect(await settled(broken)).toMatchObject({ validation_status: 'error' });
    const brokenAgent = await createAgent({ provider_id: broken });
    expectError(
      await app.http.post(`/api/v1/agents/${brokenAgent}/test`, { prompt: 'hi' }, as(owner)),
      400,
      'provider_not_validated',
    );

    const idle = await createProvider({ name: 'Idle', base_url: primary.url });
    await settled(idle);
    expect((await app.http.patch(`/api/v1/providers/${idle}`, { is_active: false }, as(owner))).status).toBe(
      200,
    );
    const idleAgent = await createAgent({ provider_id: idle });
    expectError(
      await app.http.post(`/api/v1/agents/${idleAgent}/test`, { prompt: 'hi' }, as(owner)),
      400,
      'provider_inactive',
    );
    expectError(await execute(idleAgent, { message: 'hi' }), 400, 'provider_inactive');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import { connectProvider } from './support/provider-validation.ts';
import { waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * What budgets and an agent's resource_limits do to turns, over HTTP with the offline model,
 * priced here at 1,000 USD per million tokens (a turn of ~100 tokens costs ~0.1 USD), or with a
 * provider stub that records every model call: a spent budget refuses the next turn before its
 * model call (429 budget_exceeded, Retry-After until the period renews) and stores nothing; every
 * turn's end counts into its budgets.
 */
const STUB_KEY = 'sk-budgets-stub-key-0123456789';
let stub: OpenAiStub;
let app: TestApp;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: STUB_KEY, models: ['gpt-stub'] });
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    MODEL_PRICES: JSON.stringify({ 'agentry-offline': { input: 1_000, output: 1_000 } }),
    TASK_RETRY_BASE_DELAY_MS: '50',
  });
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

const as = (account: TestAccount) => ({ token: account.token });

/** A new organization with an org_admin and an agent_user. */
async function organization() {
  const owner = await registerAccount(app.http, 'Owner');
  const member = await addMember(app.http, owner, 'agent_user');
  return { owner, member };
}

/** A connected provider of `owner`'s organization on the stub: turns on `gpt-stub` call it. */
async function connectStubProvider(owner: TestAccount) {
  await connectProvider(app.http, as(owner), { baseUrl: stub.url, apiKey: STUB_KEY });
}

/** The model calls the stub received whose prompt holds `message`. */
const modelCallsWith = (message: string) =>
  stub.requests.filter(
    (request) => request.path === '/v1/chat/completions' && JSON.stringify(request.body).includes(message),
  ).length;

async function createAgent(owner: TestAccount, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Support', show_suggestions_after_each_message: false, ...body },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

const execute = (account: TestAccount, agentId: string, message = 'How long do refunds take?') =>
  app.http.post(`/api/v1/agents/${agentId}/execute`, { message }, as(account));

async function executeOk(account: TestAccount, agentId: string) {
  const response = await execute(account, agentId);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.metadata as { usage: { total_tokens: number }; cost_estimate: number };
}

async function createBudget(owner: TestAccount, body: Record<string, unknown>) {
  const response = await app.http.post('/api/v1/budgets', body, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const budget = async (owner: TestAccount, id: string) =>
  (await app.http.get(`/api/v1/budgets/${id}`, as(owner))).body;

const runCount = async (owner: TestAccount, agentId: string) =>
  Number(
    (await app.http.get(`/api/v1/runs?agent_id=${agentId}&limit=1`, as(owner))).headers.get('x-total-count'),
  );

const secondsToNextMonth = () => {
  const now = new Date();
  return (Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - now.getTime()) / 1000;
};

describe('a budget refuses turns once spent', () => {
  it('counts turns into an organization budget and refuses the next one with 429, Retry-After, no run and no model call', async () => {
    const { owner, member } = await organization();
    // On the stub, which records every model call: a refused turn must never reach it.
    await connectStubProvider(owner);
    const agentId = await createAgent(owner, { model: 'gpt-stub' });
    const limit = await createBudget(owner, { token_limit: 1 });
    const first = await executeOk(member, agentId);
    expect(first.usage.total_tokens).toBeGreaterThan(0);
    expect(modelCallsWith('How long do refunds take?')).toBeGreaterThan(0);
    // The turn that was admitted under the cap overshoots it by its own usage.
    expect(await budget(owner, limit.id)).toMatchObject({
      spent: { tokens: first.usage.total_tokens, runs: 1 },
      remaining_tokens: 0,
      exceeded: true,
      exceeded_at: expect.any(String),
    });
    const runsBefore = await runCount(owner, agentId);
    const refused = await execute(member, agentId, 'Is this turn refused before its model call?');
    expectError(refused, 429, 'budget_exceeded');
    expect(refused.body.message).toContain('organization’s monthly token budget is spent');
    expect(refused.body.message).toContain(`${first.usage.total_tokens} tokens of 1 tokens`);
    expect(refused.body.details).toMatchObject({
      budget_id: limit.id,
      scope: 'organization',
      period: 'month',
      token_limit: 1,
      spent: { tokens: first.usage.total_tokens },
      period_end: limit.period_end,
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Math.abs(retryAfter - secondsToNextMonth())).toBeLessThan(5);
    expect(await runCount(owner, agentId)).toBe(runsBefore);
    expect(modelCallsWith('Is this turn refused before its model call?')).toBe(0);
    // The streaming execution and the OpenAI-compatible facade refuse it too.
    const streamed = await app.http.post(
      `/api/v1/agents/${agentId}/execute/stream`,
      { message: 'Is this streamed turn refused?' },
      as(member),
    );
    expect(streamed.status).toBe(429);
    const openAi = await app.http.post(
      '/v1/chat/completions',
      { model: agentId, messages: [{ role: 'user', content: 'Is this facade turn refused?' }] },
      as(member),
    );
    expect(openAi.status).toBe(429);
    expect(openAi.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(openAi.headers.get('retry-after')).toBe(String(retryAfter));
    expect(await runCount(owner, agentId)).toBe(runsBefore);
    expect(
      modelCallsWith('Is this streamed turn refused?') + modelCallsWith('Is this facade turn refused?'),
    ).toBe(0);

    // Raising the cap lets turns through at once; disabling the budget too.
    const raised = await app.http.patch(`/api/v1/budgets/${limit.id}`, { token_limit: 1_000_000 }, as(owner));
    expect(raised.body).toMatchObject({ exceeded: false });
    await executeOk(member, agentId);
    await app.http.patch(`/api/v1/budgets/${limit.id}`, { token_limit: 1, enabled: false }, as(owner));
    await executeOk(member, agentId);
  });

  it('refuses on cost, and an agent’s budget refuses only that agent', async () => {
    const { owner, member } = await organization();
    const capped = await createAgent(owner, { name: 'Capped' });
    const free = await createAgent(owner, { name: 'Free' });
    const limit = await createBudget(owner, { agent_id: capped, period: 'day', cost_limit_usd: 0.0001 });
    const first = await executeOk(member, capped);
    expect(first.cost_estimate).toBeGreaterThan(0.0001);
    const refused = await execute(member, capped);
    expectError(refused, 429, 'budget_exceeded');
    expect(refused.body.message).toContain('agent’s daily cost budget is spent');
    expect(refused.body.details).toMatchObject({ scope: 'agent', agent_id: capped, cost_limit_usd: 0.0001 });
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    expect(
      Math.abs(Number(refused.headers.get('retry-after')) - (midnight - now.getTime()) / 1000),
    ).toBeLessThan(5);
    await executeOk(member, free);
    const view = await budget(owner, limit.id);
    expect(view.spent.runs).toBe(1);
    expect(view.spent.cost_usd).toBeCloseTo(first.cost_estimate, 6);
  });

  it('starts a budget created mid-period from the runs already in it', async () => {
    const { owner, member } = await organization();
    const agentId = await createAgent(owner);
    const other = await createAgent(owner, { name: 'Other' });
    const first = await executeOk(member, agentId);
    const second = await executeOk(member, agentId);
    const otherTurn = await executeOk(member, other);
    const tokens = first.usage.total_tokens + second.usage.total_tokens;
    const agentBudget = await createBudget(owner, {
      agent_id: agentId,
      period: 'week',
      token_limit: tokens + 1,
    });
    expect(agentBudget.spent).toMatchObject({ tokens, runs: 2 });
    const orgBudget = await createBudget(owner, { period: 'day', token_limit: 10_000_000 });
    expect(orgBudget.spent).toMatchObject({ tokens: tokens + otherTurn.usage.total_tokens, runs: 3 });
    // Still one token under the cap: admitted, and then over it.
    await executeOk(member, agentId);
    expectError(await execute(member, agentId), 429, 'budget_exceeded');
    await executeOk(member, other);
  });
});

describe('budget events', () => {
  it('publishes budget-threshold-reached and budget-exceeded once a period', async () => {
    const { owner, member } = await organization();
    const agentId = await createAgent(owner);
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const calibration = await executeOk(member, agentId);
    const turnTokens = calibration.usage.total_tokens;
    // A turn is about 40 % of the cap, and the budget starts from the calibration turn: the next
    // turn passes the 60 % threshold, the one after it the cap.
    const limit = await createBudget(owner, {
      agent_id: agentId,
      period: 'month',
      token_limit: Math.round(turnTokens * 2.5),
      alert_threshold_percent: 60,
    });
    expect(limit.percent_used).toBeGreaterThan(30);
    expect(limit.percent_used).toBeLessThan(50);
    const budgetEvents = () =>
      stream.events.filter(
        (event) => event.type.startsWith('budget-threshold') || event.type === 'budget-exceeded',
      );
    await executeOk(member, agentId);
    await expect
      .poll(() => budgetEvents().map((event) => event.type), { timeout: 5_000 })
      .toEqual(['budget-threshold-reached']);
    expect(budgetEvents()[0]?.data).toMatchObject({
      budget_id: limit.id,
      agent_id: agentId,
      period: 'month',
      token_limit: limit.token_limit,
      alert_threshold_percent: 60,
      spent: { runs: 2 },
    });
    await executeOk(member, agentId);
    await expect
      .poll(() => budgetEvents().map((event) => event.type), { timeout: 5_000 })
      .toEqual(['budget-threshold-reached', 'budget-exceeded']);
    expect((budgetEvents()[1]?.data as { percent_used: number }).percent_used).toBeGreaterThanOrEqual(100);
    expectError(await execute(member, agentId), 429, 'budget_exceeded');
    // Raised, spent again in the same period: no second alert.
    await app.http.patch(`/api/v1/budgets/${limit.id}`, { token_limit: limit.token_limit * 2 }, as(owner));
    await executeOk(member, agentId);
    await executeOk(member, agentId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(budgetEvents()).toHaveLength(2);
    expect(stream.events.map((event) => event.type)).toContain('budget-created');
    stream.close();
  });

  it('announces a crossing no turn end announced (a budget created past its cap) at the next check, once', async () => {
    const { owner, member } = await organization();
    const agentId = await createAgent(owner);
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    await executeOk(member, agentId);
    await executeOk(member, agentId);
    // Counted from the two runs: past both the threshold and the cap before any turn of its own.
    const spent = await createBudget(owner, { period: 'month', token_limit: 1, alert_threshold_percent: 50 });
    expect(spent.exceeded).toBe(true);
    const budgetEvents = () =>
      stream.events.filter(
        (event) => event.type === 'budget-threshold-reached' || event.type === 'budget-exceeded',
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(budgetEvents()).toEqual([]);
    expectError(await execute(member, agentId), 429, 'budget_exceeded');
    await expect
      .poll(() => budgetEvents().map((event) => event.type), { timeout: 5_000 })
      .toEqual(['budget-threshold-reached', 'budget-exceeded']);
    expect(budgetEvents()[1]?.data).toMatchObject({ budget_id: spent.id, agent_id: null, run_id: null });
    expectError(await execute(member, agentId), 429, 'budget_exceeded');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(budgetEvents()).toHaveLength(2);
    stream.close();
  });
});

describe('a task refused by a budget', () => {
  it('fails with budget_exceeded and waits for the period to renew instead of retrying at once', async () => {
    const { owner, member } = await organization();
    const agentId = await createAgent(owner);
    await executeOk(member, agentId);
    await createBudget(owner, { agent_id: agentId, period: 'day', token_limit: 1 });
    const runsBefore = await runCount(owner, agentId);
    const created = await app.http.post(
      `/api/v1/agents/${agentId}/tasks`,
      {
        task_type: 'summary',
        task_data: { message: 'Summarize the refunds policy' },
        max_attempts: 3,
        queue: true,
      },
      as(member),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const failed = await waitForTask(app.http, owner.token, agentId, created.body.id, [
      'failed',
      'dead',
      'completed',
    ]);
    expect(failed).toMatchObject({
      status: 'failed',
      attempt_count: 1,
      run_id: null,
      error: {
        code: 'budget_exceeded',
        message: expect.stringContaining('agent’s daily token budget is spent'),
      },
    });
    const detail = (await app.http.get(`/api/v1/agents/${agentId}/tasks/${created.body.id}`, as(owner))).body;
    const failedStep = detail.actions.find(
      (action: { action_type: string }) => action.action_type === 'task_failed',
    );
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    expect(new Date(failedStep.action_data.retry_at).getTime()).toBeGreaterThanOrEqual(midnight - 1_000);
    // No second attempt meanwhile (the retry base delay is 50 ms), and no run.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = (await app.http.get(`/api/v1/agents/${agentId}/tasks/${created.body.id}`, as(owner))).body;
    expect(later).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(await runCount(owner, agentId)).toBe(runsBefore);
  });
});

describe('an agent’s resource_limits', () => {
  it('max_tokens_per_day refuses like a daily budget once the agent’s runs of the day reached it', async () => {
    const { owner, member } = await organization();
    const agentId = await createAgent(owner, {
      resource_limits: { max_tokens_per_day: 1, max_concurrent_turns: null },
    });
    const first = await executeOk(member, agentId);
    const refused = await execute(member, agentId);
    expectError(refused, 429, 'budget_exceeded');
    expect(refused.body.message).toContain('resource_limits.max_tokens_per_day is spent');
    expect(refused.body.details).toMatchObject({
      budget_id: null,
      scope: 'agent_resource_limits',
      agent_id: agentId,
      period: 'day',
      token_limit: 1,
      spent: { tokens: first.usage.total_tokens },
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const raised = await app.http.patch(
      `/api/v1/agents/${agentId}`,
      { resource_limits: { max_tokens_per_day: 1_000_000 } },
      as(owner),
    );
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    await executeOk(member, agentId);
  });

  it('max_concurrent_turns refuses a turn while the agent runs as many (429 concurrency_limited)', async () => {
    const { owner, member } = await organization();
    await connectStubProvider(owner);
    const agentId = await createAgent(owner, {
      model: 'gpt-stub',
      timeout_seconds: 2,
      resource_limits: { max_concurrent_turns: 1, max_tokens_per_day: null },
    });
    // The first turn's model call never answers: the turn runs until its 2 s timeout.
    stub.enqueue({ type: 'hang' });
    const hanging = execute(member, agentId, 'A first turn that hangs');
    await expect.poll(() => modelCallsWith('A first turn that hangs')).toBe(1);
    const refused = await execute(member, agentId, 'Second');
    expectError(refused, 429, 'concurrency_limited');
    expect(refused.body.details).toMatchObject({
      agent_id: agentId,
      limit: 1,
      scope: 'agent_resource_limits',
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await hanging).status).toBe(504);
    // Its place is free again once it ended.
    await executeOk(member, agentId);
  });
});

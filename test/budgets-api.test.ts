import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The budgets API over HTTP: org_admins write, every member reads; bad input is refused with a
 * clear 4xx and stores nothing. What budgets do to turns is in budgets-turns.test.ts.
 */
let app: TestApp;
let owner: TestAccount;
let agentAdmin: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;
let agentId: string;
let strangerAgentId: string;

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(account: TestAccount, name: string) {
  const response = await app.http.post('/api/v1/agents', { name }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

const listBudgets = async (query = '') => {
  const response = await app.http.get(`/api/v1/budgets${query}`, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response;
};

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  agentAdmin = await addMember(app.http, owner, 'agent_admin');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
  agentId = await createAgent(owner, 'Support');
  strangerAgentId = await createAgent(stranger, 'Theirs');
});
afterAll(() => app.close());

describe('budgets CRUD', () => {
  it('creates an organization budget with defaults and shows its current period', async () => {
    const created = await app.http.post('/api/v1/budgets', { token_limit: 1_000_000 }, as(owner));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    expect(created.body).toMatchObject({
      organization_id: owner.organizationId,
      agent_id: null,
      scope: 'organization',
      period: 'month',
      token_limit: 1_000_000,
      cost_limit_usd: null,
      alert_threshold_percent: 80,
      enabled: true,
      description: null,
      created_by_user_id: owner.userId,
      period_start: monthStart.toISOString(),
      period_end: monthEnd.toISOString(),
      spent: { tokens: 0, cost_usd: 0, runs: 0 },
      remaining_tokens: 1_000_000,
      remaining_cost_usd: null,
      percent_used: 0,
      exceeded: false,
      threshold_alerted_at: null,
      exceeded_at: null,
    });
    const read = await app.http.get(`/api/v1/budgets/${created.body.id}`, as(reader));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('creates an agent’s weekly budget; lists, filters, paginates, changes and deletes budgets', async () => {
    const weekly = await app.http.post(
      '/api/v1/budgets',
      {
        agent_id: agentId,
        period: 'week',
        cost_limit_usd: 12.5,
        alert_threshold_percent: null,
        description: 'Support, per week',
      },
      as(owner),
    );
    expect(weekly.status, JSON.stringify(weekly.body)).toBe(201);
    const start = new Date(weekly.body.period_start);
    expect(start.getUTCDay()).toBe(1);
    expect(new Date(weekly.body.period_end).getTime() - start.getTime()).toBe(7 * 86_400_000);
    expect(weekly.body).toMatchObject({ scope: 'agent', agent_id: agentId, remaining_cost_usd: 12.5 });

    const all = await listBudgets();
    expect(all.headers.get('x-total-count')).toBe('2');
    expect(all.body.map((budget: { id: string }) => budget.id)[0]).toBe(weekly.body.id);
    expect((await listBudgets(`?agent_id=${agentId}`)).body).toMatchObject([{ id: weekly.body.id }]);
    expect((await listBudgets('?scope=organization')).body).toMatchObject([{ scope: 'organization' }]);
    expect((await listBudgets('?scope=agent&period=week')).body).toHaveLength(1);
    expect((await listBudgets('?enabled=false')).body).toEqual([]);
    const page = await listBudgets('?limit=1&offset=1');
    expect(page.body).toHaveLength(1);
    expect(page.headers.get('x-total-count')).toBe('2');

    const changed = await app.http.patch(
      `/api/v1/budgets/${weekly.body.id}`,
      { token_limit: 5_000, cost_limit_usd: null, enabled: false, period: 'day' },
      as(owner),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      period: 'day',
      token_limit: 5_000,
      cost_limit_usd: null,
      enabled: false,
      description: 'Support, per week',
    });
    expect((await listBudgets('?enabled=false')).body).toMatchObject([{ id: weekly.body.id }]);

    expect((await app.http.delete(`/api/v1/budgets/${weekly.body.id}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/budgets/${weekly.body.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/budgets/${weekly.body.id}`, as(owner)), 404, 'not_found');
  });
});

describe('budgets refuse bad input and keep nothing of it', () => {
  it('422 for a budget without a cap, bad numbers, an unknown field or no agent; 403 for another organization’s agent', async () => {
    const before = (await listBudgets()).headers.get('x-total-count');
    const refusals: [Record<string, unknown>, string][] = [
      [{ period: 'day' }, 'token_limit'],
      [{ token_limit: null, cost_limit_usd: null }, 'token_limit'],
      [{ token_limit: 0 }, 'token_limit'],
      [{ token_limit: 1.5 }, 'token_limit'],
      [{ cost_limit_usd: -1 }, 'cost_limit_usd'],
      [{ token_limit: 10, alert_threshold_percent: 101 }, 'alert_threshold_percent'],
      [{ token_limit: 10, period: 'year' }, 'period'],
      [{ token_limit: 10, agent_id: 'not-a-uuid' }, 'agent_id'],
      [{ token_limit: 10, agent_id: '01972fe7-a640-7c53-9128-c599a026d61e' }, 'agent_id'],
      [{ token_limit: 10, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of refusals) {
      const refused = await app.http.post('/api/v1/budgets', body, as(owner));
      expectError(refused, 422, 'validation_error');
      expect(
        refused.body.validation_errors.map((error: { field: string }) => error.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    // Another organization's agent is refused as everywhere: 403, whoever asks.
    expectError(
      await app.http.post('/api/v1/budgets', { token_limit: 10, agent_id: strangerAgentId }, as(owner)),
      403,
      'authorization_error',
    );
    expect((await listBudgets()).headers.get('x-total-count')).toBe(before);
  });

  it('409 for a second budget of one scope and period; a change may not drop every cap', async () => {
    const daily = await app.http.post('/api/v1/budgets', { period: 'day', token_limit: 100 }, as(owner));
    expect(daily.status).toBe(201);
    const again = await app.http.post('/api/v1/budgets', { period: 'day', cost_limit_usd: 1 }, as(owner));
    expectError(again, 409, 'budget_scope_taken');
    // The same period for an agent is another scope.
    const agentDaily = await app.http.post(
      '/api/v1/budgets',
      { period: 'day', token_limit: 50, agent_id: agentId },
      as(owner),
    );
    expect(agentDaily.status).toBe(201);
    // Moving the agent's budget onto the organization's scope collides too, and changes nothing.
    expectError(
      await app.http.patch(`/api/v1/budgets/${agentDaily.body.id}`, { agent_id: null }, as(owner)),
      409,
      'budget_scope_taken',
    );
    const dropped = await app.http.patch(
      `/api/v1/budgets/${daily.body.id}`,
      { token_limit: null },
      as(owner),
    );
    expectError(dropped, 422, 'validation_error');
    expect(dropped.body.validation_errors[0]).toMatchObject({ field: 'token_limit' });
    const kept = await app.http.get(`/api/v1/budgets/${daily.body.id}`, as(owner));
    expect(kept.body).toMatchObject({ token_limit: 100 });
    expect((await app.http.get(`/api/v1/budgets/${agentDaily.body.id}`, as(owner))).body).toMatchObject({
      agent_id: agentId,
    });
    expectError(await app.http.get('/api/v1/budgets?period=year', as(owner)), 422, 'validation_error');
  });
});

describe('who may read and write budgets', () => {
  it('lets every member read, only org_admins write, and nobody of another organization', async () => {
    const budget = (await listBudgets()).body[0];
    expect((await app.http.get('/api/v1/budgets', as(reader))).status).toBe(200);
    expect((await app.http.get(`/api/v1/budgets/${budget.id}`, as(agentAdmin))).status).toBe(200);
    expectError(
      await app.http.post('/api/v1/budgets', { period: 'week', token_limit: 1 }, as(agentAdmin)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.patch(`/api/v1/budgets/${budget.id}`, { token_limit: 1 }, as(agentAdmin)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/budgets/${budget.id}`, as(reader)),
      403,
      'authorization_error',
    );
    expectError(await app.http.get(`/api/v1/budgets/${budget.id}`, as(stranger)), 403, 'authorization_error');
    expectError(
      await app.http.patch(`/api/v1/budgets/${budget.id}`, { token_limit: 1 }, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/budgets/${budget.id}`, as(stranger)),
      403,
      'authorization_error',
    );
    expect((await app.http.get('/api/v1/budgets', as(stranger))).body).toEqual([]);
    expectError(await app.http.get('/api/v1/budgets'), 401, 'authentication_error');
    expect((await app.http.get(`/api/v1/budgets/${budget.id}`, as(owner))).body.token_limit).toBe(
      budget.token_limit,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * GET /api/v1/usage and /agents/{id}/usage over HTTP: the sums must equal what the runs API lists,
 * grouped by day, agent, model and trigger. The offline model is priced so that runs cost something.
 */
let app: TestApp;
let owner: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;
let support: string;
let sales: string;

interface Run {
  agent_id: string;
  trigger: string;
  model: string | null;
  started_at: string;
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  cost_estimate: number | null;
}
let runs: Run[];

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(name: string) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name, show_suggestions_after_each_message: false },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function turn(agentId: string, path: 'execute' | 'test', message: string) {
  const body = path === 'test' ? { prompt: message } : { message };
  const response = await app.http.post(`/api/v1/agents/${agentId}/${path}`, body, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

/** What the runs API says, summed the way usage should sum it. */
function expectedGroups(keyOf: (run: Run) => string | null) {
  const groups = new Map<string | null, Record<string, number>>();
  for (const run of runs) {
    const key = keyOf(run);
    const group = groups.get(key) ?? {
      runs: 0,
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      cost_usd: 0,
    };
    group.runs = (group.runs ?? 0) + 1;
    group.input_tokens = (group.input_tokens ?? 0) + run.usage.input_tokens;
    group.output_tokens = (group.output_tokens ?? 0) + run.usage.output_tokens;
    group.total_tokens = (group.total_tokens ?? 0) + run.usage.total_tokens;
    group.cost_usd = (group.cost_usd ?? 0) + (run.cost_estimate ?? 0);
    groups.set(key, group);
  }
  return groups;
}

function expectMatches(
  actual: { key: string | null }[],
  expected: Map<string | null, Record<string, number>>,
) {
  expect(actual.map((group) => group.key).sort()).toEqual([...expected.keys()].sort());
  for (const group of actual) {
    const { cost_usd: cost, ...counts } = expected.get(group.key) ?? {};
    expect(group).toMatchObject(counts);
    expect((group as unknown as { cost_usd: number }).cost_usd).toBeCloseTo(cost ?? 0, 6);
  }
}

beforeAll(async () => {
  app = await startTestApp({
    MODEL_PRICES: JSON.stringify({ 'agentry-offline': { input: 1_000, output: 2_000 } }),
  });
  owner = await registerAccount(app.http, 'Owner');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
  support = await createAgent('Support');
  sales = await createAgent('Sales');
  await turn(support, 'execute', 'How long do refunds take?');
  await turn(support, 'execute', 'And for a card payment made abroad last month?');
  await turn(support, 'test', 'Test: greet me');
  await turn(sales, 'execute', 'What does the pro plan cost per seat?');
  const listed = await app.http.get('/api/v1/runs?limit=200', as(owner));
  runs = listed.body;
  expect(runs).toHaveLength(4);
});
afterAll(() => app.close());

describe('GET /api/v1/usage', () => {
  it('sums the last 30 days by day by default, every day listed, with totals', async () => {
    const response = await app.http.get('/api/v1/usage', as(reader));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body.group_by).toBe('day');
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(30 * 86_400_000);
    expect(body.groups).toHaveLength(31);
    expect(body.groups.at(-1).key).toBe(new Date().toISOString().slice(0, 10));
    const total = expectedGroups(() => 'all').get('all') ?? {};
    expect(body.totals).toMatchObject({ ...total, cost_usd: expect.any(Number) });
    expect(body.totals.cost_usd).toBeCloseTo(total.cost_usd ?? 0, 6);
    expect(body.totals.cost_usd).toBeGreaterThan(0);
    expectMatches(
      body.groups.filter((group: { runs: number }) => group.runs > 0),
      expectedGroups((run) => run.started_at.slice(0, 10)),
    );
  });

  it('groups by agent (with names), model and trigger, and filters by agent and trigger', async () => {
    const byAgent = (await app.http.get('/api/v1/usage?group_by=agent', as(owner))).body;
    expectMatches(
      byAgent.groups,
      expectedGroups((run) => run.agent_id),
    );
    expect(
      Object.fromEntries(
        byAgent.groups.map((group: { key: string; agent_name: string }) => [group.key, group.agent_name]),
      ),
    ).toEqual({
      [support]: 'Support',
      [sales]: 'Sales',
    });
    const byModel = (await app.http.get('/api/v1/usage?group_by=model', as(owner))).body;
    expectMatches(
      byModel.groups,
      expectedGroups((run) => run.model),
    );
    const byTrigger = (await app.http.get('/api/v1/usage?group_by=trigger', as(owner))).body;
    expectMatches(
      byTrigger.groups,
      expectedGroups((run) => run.trigger),
    );
    expect(byTrigger.groups.map((group: { key: string }) => group.key).sort()).toEqual(['chat', 'test']);

    const supportChats = (
      await app.http.get(`/api/v1/usage?group_by=trigger&agent_id=${support}&trigger=chat`, as(owner))
    ).body;
    expect(supportChats.groups).toHaveLength(1);
    expect(supportChats.totals.runs).toBe(2);
    const agentUsage = await app.http.get(`/api/v1/agents/${support}/usage?group_by=trigger`, as(reader));
    expect(agentUsage.status).toBe(200);
    expect(agentUsage.body.totals.runs).toBe(3);
  });

  it('takes dates and times for the range, and refuses bad ones with 422', async () => {
    const january = (await app.http.get('/api/v1/usage?from=2025-01-01&to=2025-01-31', as(owner))).body;
    expect(january).toMatchObject({
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-02-01T00:00:00.000Z',
      totals: { runs: 0, total_tokens: 0, cost_usd: 0 },
    });
    expect(january.groups).toHaveLength(31);
    const hour = new Date(Date.now() - 3_600_000).toISOString();
    const recent = (
      await app.http.get(`/api/v1/usage?from=${encodeURIComponent(hour)}&group_by=agent`, as(owner))
    ).body;
    expect(recent.totals.runs).toBe(4);
    for (const query of [
      'from=2025-02-01&to=2025-01-01',
      'from=2024-01-01&to=2025-06-01',
      'from=yesterday',
      'group_by=week',
      'trigger=cron',
      'agent_id=42',
      'colour=red',
    ]) {
      expectError(await app.http.get(`/api/v1/usage?${query}`, as(owner)), 422, 'validation_error');
    }
  });

  it('shows an organization only its own runs', async () => {
    const theirs = (await app.http.get('/api/v1/usage', as(stranger))).body;
    expect(theirs.totals).toMatchObject({ runs: 0, total_tokens: 0 });
    const filtered = (await app.http.get(`/api/v1/usage?agent_id=${support}`, as(stranger))).body;
    expect(filtered.totals.runs).toBe(0);
    expectError(
      await app.http.get(`/api/v1/agents/${support}/usage`, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(await app.http.get('/api/v1/usage'), 401, 'authentication_error');
  });
});

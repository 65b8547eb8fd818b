import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { expectStatus, readAgent as readAgentOf, spawnInstance } from './support/seed-002.ts';
import { tasksPath, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 002's instance statuses (AgentStatus: idle, initializing, active, busy, error,
 * offline) and its AGENT_MAX_CONCURRENCY setting through the API, as docs/agent-kinds.md ("Seed
 * 002's instance states") maps them: an agent's lifecycle `status` and its `runtime.state`.
 * Turns that must stay running or fail run against an OpenAI-compatible stub, in an organization
 * of their own; the owner's agents answer with the offline model.
 */
const STUB_KEY = 'sk-seed-002';
let app: TestApp;
let stub: OpenAiStub;
let owner: TestAccount;
/** A workspace whose agents run on the stub. */
let operator: TestAccount;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: STUB_KEY, models: ['gpt-stub'] });
  app = await startTestApp({
    AGENT_MAX_CONCURRENCY: '1',
    TASK_WORKER_CONCURRENCY: '4',
    OUTBOUND_ALLOWLIST: '127.0.0.1',
  });
  owner = await registerAccount(app.http, 'Seed 002 owner');
  operator = await registerAccount(app.http, 'Runtime operator');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: STUB_KEY },
    as(operator),
  );
  expectStatus(provider, 201);
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

function as(account: TestAccount = owner) {
  return { token: account.token };
}
const spawn = (body: Record<string, unknown>, account = owner) => spawnInstance(app.http, account, body);
const readAgent = (agentId: string, account = owner) => readAgentOf(app.http, account, agentId);

/** An agent of the operator's organization, on the stub, whose turns call the model once. */
async function stubAgent(name: string) {
  return spawn(
    { name, model: 'gpt-stub', use_memory_context: false, show_suggestions_after_each_message: false },
    operator,
  );
}

describe('seed 002 AgentStatus (idle, initializing, active, busy, error, offline)', () => {
  it('idle and active: a spawned instance is active, idle, and executes', async () => {
    const instance = await spawn({ name: 'Ready' });
    expect(instance).toMatchObject({ status: 'active', is_active: true, runtime: { state: 'idle' } });
    const turn = await app.http.post(`/api/v1/agents/${instance.id}/execute`, { message: 'Hello' }, as());
    expectStatus(turn, 200);
    const after = await readAgent(instance.id);
    expect(after.runtime).toMatchObject({ state: 'idle', last_heartbeat: expect.any(String) });
  });

  it('busy while one of its runs is running, idle again when it ends', async () => {
    const instance = await stubAgent('Busy');
    stub.setScript(() => ({ type: 'hang' }));
    const client = new AbortController();
    const turn = fetch(`${app.url}/api/v1/agents/${instance.id}/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Take your time' }),
      signal: client.signal,
    }).catch((error: unknown) => error);
    try {
      await expect.poll(async () => (await readAgent(instance.id, operator)).runtime.state).toBe('busy');
    } finally {
      client.abort();
      await turn;
      stub.setScript();
    }
    // A turn its client gave up on is cancelled, which is not a failure.
    await expect.poll(async () => (await readAgent(instance.id, operator)).runtime.state).toBe('idle');
  });

  it('error after a failed turn, with last_error and last_heartbeat; idle after the next success', async () => {
    const instance = await stubAgent('Failing');
    stub.failNext(1, 400);
    const failed = await app.http.post(
      `/api/v1/agents/${instance.id}/execute`,
      { message: 'Hi' },
      as(operator),
    );
    expect(failed.status).toBe(502);
    const errored = await readAgent(instance.id, operator);
    expect(errored.runtime).toMatchObject({
      state: 'error',
      last_error: expect.any(String),
      last_heartbeat: expect.any(String),
      consecutive_failures: 1,
    });
    expectStatus(
      await app.http.post(`/api/v1/agents/${instance.id}/execute`, { message: 'Hi again' }, as(operator)),
      200,
    );
    expect((await readAgent(instance.id, operator)).runtime).toMatchObject({
      state: 'idle',
      consecutive_failures: 0,
    });
  });

  it('offline: an inactive or archived instance does not execute (400 agent_inactive)', async () => {
    const instance = await spawn({ name: 'Resting', status: 'inactive' });
    expect(instance).toMatchObject({ status: 'inactive', is_active: false });
    expectError(
      await app.http.post(`/api/v1/agents/${instance.id}/execute`, { message: 'Hello' }, as()),
      400,
      'agent_inactive',
    );
    expectStatus(await app.http.patch(`/api/v1/agents/${instance.id}`, { status: 'archived' }, as()), 200);
    expectError(
      await app.http.post(`/api/v1/agents/${instance.id}/execute`, { message: 'Hello' }, as()),
      400,
      'agent_inactive',
    );
  });

  it('refuses a status that is not a lifecycle status (422 naming status)', async () => {
    const instance = await spawn({ name: 'Statuses' });
    for (const status of ['busy', 'offline', 'initializing']) {
      const refused = await app.http.patch(`/api/v1/agents/${instance.id}`, { status }, as());
      expectError(refused, 422, 'validation_error');
      expect(refused.body.validation_errors[0].field).toBe('status');
    }
  });
});

describe('seed 002 AGENT_MAX_CONCURRENCY', () => {
  it('bounds how many tasks of one instance run at once; the workspace holds more instances', async () => {
    // Adapted: docs/decisions/0015-seed-adaptations.md §15.
    // Seed 002 reads it as "max concurrent instances per workspace". Agentry bounds the tasks of one
    // agent running at once across processes (docs/tasks.md); an organization's concurrent turns
    // are CONCURRENT_TURNS_PER_ORGANIZATION (docs/limits.md), and its number of agents is not capped.
    stub.setScript(() => ({ type: 'text', text: 'Done.', chunkDelayMs: 200 }));
    try {
      const busy = await stubAgent('Queued worker');
      const other = await stubAgent('Second worker');
      const queue = async (agentId: string) =>
        expectStatus(
          await app.http.post(tasksPath(agentId), { task_type: 'build', queue: true }, as(operator)),
          201,
        ).id as string;
      const tasks = [await queue(busy.id), await queue(busy.id)];
      const otherTask = await queue(other.id);
      const intervals = await Promise.all(
        tasks.map(async (taskId) => {
          const task = await waitForTask(app.http, operator.token, busy.id, taskId, ['completed'], 30_000);
          const [attempt] = task.attempts;
          return { start: Date.parse(attempt.started_at), end: Date.parse(attempt.ended_at) };
        }),
      );
      const [first, second] = intervals.sort((a, b) => a.start - b.start);
      expect(second?.start).toBeGreaterThanOrEqual(first?.end as number);
      await waitForTask(app.http, operator.token, other.id, otherTask, ['completed'], 30_000);
    } finally {
      stub.setScript();
    }
  });
});

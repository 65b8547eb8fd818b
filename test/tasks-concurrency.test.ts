import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { as, tasksPath, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * AGENT_MAX_CONCURRENCY over HTTP: with room for four task turns at once but one per agent, an
 * agent's tasks run one after another while another agent's task runs beside them. Each turn
 * takes a while at the stub, so overlaps would show in the attempts' times.
 */
const KEY = 'sk-concurrency-stub';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  stub.setScript(() => ({ type: 'text', text: 'Done.', chunkDelayMs: 250 }));
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    TASK_WORKER_CONCURRENCY: '4',
    AGENT_MAX_CONCURRENCY: '1',
  });
  owner = await registerAccount(app.http, 'Owner');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(owner),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

async function agentWithTasks(name: string, count: number) {
  const agent = await app.http.post(
    '/api/v1/agents',
    { name, model: 'gpt-stub', show_suggestions_after_each_message: false },
    as(owner),
  );
  expect(agent.status, JSON.stringify(agent.body)).toBe(201);
  const tasks: string[] = [];
  for (let index = 0; index < count; index++) {
    const task = await app.http.post(tasksPath(agent.body.id), { task_type: 'work', queue: true }, as(owner));
    expect(task.status).toBe(201);
    tasks.push(task.body.id);
  }
  return { agentId: agent.body.id as string, tasks };
}

const intervalsOf = async (agentId: string, taskIds: string[]) =>
  Promise.all(
    taskIds.map(async (taskId) => {
      const task = await waitForTask(app.http, owner.token, agentId, taskId, ['completed'], 30_000);
      const [attempt] = task.attempts;
      return { start: Date.parse(attempt.started_at), end: Date.parse(attempt.ended_at) };
    }),
  );

it('runs one agent’s tasks one at a time while another agent’s task runs beside them', async () => {
  const busy = await agentWithTasks('Busy', 3);
  const other = await agentWithTasks('Other', 1);
  const busyRuns = (await intervalsOf(busy.agentId, busy.tasks)).sort((a, b) => a.start - b.start);
  const [otherRun] = await intervalsOf(other.agentId, other.tasks);
  for (let index = 1; index < busyRuns.length; index++) {
    expect(busyRuns[index]?.start).toBeGreaterThanOrEqual(busyRuns[index - 1]?.end as number);
  }
  // The limit is the agent's, not the workers': the other agent did not wait for the busy one.
  expect(otherRun?.start).toBeLessThan(busyRuns.at(-1)?.start as number);
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream, type ReceivedEvent } from './support/event-stream.ts';
import { connectProvider } from './support/provider-validation.ts';
import { waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Tasks whose turns fail, over HTTP: the organization's only provider is an OpenAI-compatible
 * stub on loopback that fails or hangs on request. A failed attempt waits as `failed` for its
 * retry; out of attempts the task is `dead`, and a retry by hand queues it again.
 */
const KEY = 'sk-tasks-failures-key-0123456789';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let reader: TestAccount;

const as = (account: TestAccount) => ({ token: account.token });
const tasksPath = (agentId: string) => `/api/v1/agents/${agentId}/tasks`;
const taskPath = (agentId: string, taskId: string) => `/api/v1/agents/${agentId}/tasks/${taskId}`;
const bearer = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');
const PUBLIC_TASK_EVENTS = [
  'task-created',
  'task-queued',
  'task-started',
  'task-completed',
  'task-failed',
  'task-dead',
  'task-cancelled',
  'task-cancel-requested',
];
const taskEvents = (events: ReceivedEvent[], taskId: string) =>
  events.filter((event) => event.type.startsWith('task-') && event.data.task_id === taskId);

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    // One model call per attempt: the task's own attempts are what these tests count.
    LLM_RETRY_MAX_ATTEMPTS: '1',
    LLM_BREAKER_FAILURE_THRESHOLD: '50',
    LLM_CALL_TIMEOUT_SECONDS: '15',
    TASK_RETRY_BASE_DELAY_MS: '100',
  });
  owner = await registerAccount(app.http, 'Owner');
  member = await addMember(app.http, owner, 'agent_user');
  reader = await addMember(app.http, owner, 'readonly');
  // The organization's first provider becomes its default: every agent below answers through it.
  await connectProvider(app.http, as(owner), { baseUrl: stub.url, apiKey: KEY });
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});
beforeEach(() => stub.reset());

async function createAgent() {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Stubby', model: 'gpt-stub', show_suggestions_after_each_message: false },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function createTask(agentId: string, body: Record<string, unknown>) {
  const response = await app.http.post(tasksPath(agentId), body, as(member));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** A queued task whose only attempt fails (the provider answers 500): it ends dead. */
async function deadTask(agentId: string, message: string) {
  stub.failNext(1, 500);
  const created = await createTask(agentId, {
    task_type: 'api_request',
    task_data: { message },
    max_attempts: 1,
    queue: true,
  });
  const dead = await waitForTask(app.http, owner.token, agentId, created.id, ['dead', 'completed']);
  expect(dead).toMatchObject({
    status: 'dead',
    attempt_count: 1,
    result: null,
    error: { code: expect.any(String), message: expect.any(String) },
  });
  return dead;
}

describe('a task whose attempts fail', () => {
  it('ends dead with its error and its failed run when its only attempt fails', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent();
    const dead = await deadTask(agentId, 'Reset my password');
    // The failed attempt's turn is recorded as a failed run, which the task links.
    const runs = (await app.http.get(`/api/v1/runs?agent_id=${agentId}&trigger=task`, as(owner))).body;
    expect(runs).toMatchObject([{ status: 'failed' }]);
    await expect
      .poll(() => taskEvents(stream.events, dead.id).map((event) => event.type), { timeout: 5_000 })
      .toContain('task-dead');
    expect(taskEvents(stream.events, dead.id).at(-1)).toMatchObject({
      type: 'task-dead',
      data: { task_id: dead.id, agent_id: agentId, status: 'dead' },
    });
    expectError(
      await app.http.post(`${taskPath(agentId, dead.id)}/queue`, undefined, as(member)),
      409,
      'task_not_queueable',
    );
    stream.close();
    expect(dead.run_id).toBe(runs[0].id);
    expect(dead.attempts).toEqual([
      {
        attempt: 1,
        status: 'failed',
        run_id: runs[0].id,
        error: dead.error,
        started_at: expect.any(String),
        ended_at: expect.any(String),
      },
    ]);
    // Every step is an action: the failed turn ends with an unsuccessful response (with why), and
    // the task's dead-lettering follows it.
    const detail = (await app.http.get(taskPath(agentId, dead.id), as(owner))).body;
    const steps = detail.actions.map((action: { action_type: string; success: boolean }) => [
      action.action_type,
      action.success,
    ]);
    expect(steps.slice(0, 3)).toEqual([
      ['task_received', true],
      ['task_queued', true],
      ['task_started', true],
    ]);
    expect(steps.slice(-2)).toEqual([
      ['chat_response', false],
      ['task_dead', false],
    ]);
    expect(detail.actions.at(-2)).toMatchObject({
      run_id: runs[0].id,
      result_data: { error: { code: dead.error.code } },
    });
    expect(detail.actions.at(-1)).toMatchObject({ run_id: runs[0].id, result_data: { error: dead.error } });
  });

  it('queues a dead task again on retry with fresh attempts; it completes and keeps its failed attempt in its history', async () => {
    const agentId = await createAgent();
    const dead = await deadTask(agentId, 'Reset my password');
    expectError(
      await app.http.post(`${taskPath(agentId, dead.id)}/retry`, undefined, as(reader)),
      403,
      'authorization_error',
    );
    const retried = await app.http.post(`${taskPath(agentId, dead.id)}/retry`, undefined, as(member));
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(['queued', 'running', 'completed']).toContain(retried.body.status);
    if (retried.body.status === 'queued')
      expect(retried.body).toMatchObject({ attempt_count: 1, error: null });
    expect(retried.body.celery_task_id).toEqual(expect.any(String));

    const completed = await waitForTask(app.http, owner.token, agentId, dead.id, ['completed', 'dead']);
    expect(completed).toMatchObject({ status: 'completed', attempt_count: 2, error: null });
    expect(completed.result.answer).toContain('Reset my password');
    expect(completions()).toHaveLength(2);
    const runs = (await app.http.get(`/api/v1/runs?agent_id=${agentId}&trigger=task`, as(owner))).body;
    expect(runs.map((run: { status: string }) => run.status)).toEqual(['completed', 'failed']);
    expect(completed.run_id).toBe(runs[0].id);
    expectError(
      await app.http.post(`${taskPath(agentId, dead.id)}/retry`, undefined, as(member)),
      409,
      'task_not_retryable',
    );
    expect(completed.attempts.map((attempt: { status: string }) => attempt.status)).toEqual([
      'failed',
      'completed',
    ]);
    expect(completed.attempts.at(-1).run_id).toBe(completed.run_id);
  });

  it('waits as failed after a failed attempt, is tried again, and ends dead when max_attempts runs out', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent();
    stub.failNext(2, 503);
    const created = await createTask(agentId, { task_type: 'flaky', max_attempts: 2, queue: true });
    const dead = await waitForTask(app.http, owner.token, agentId, created.id, ['dead', 'completed'], 80_000);
    expect(dead).toMatchObject({ status: 'dead', attempt_count: 2 });
    expect(
      dead.attempts.map((attempt: { attempt: number; status: string }) => [attempt.attempt, attempt.status]),
    ).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    expect(completions()).toHaveLength(2);
    await expect
      .poll(() => taskEvents(stream.events, created.id).map((event) => event.type), { timeout: 5_000 })
      .toContain('task-dead');
    const types = taskEvents(stream.events, created.id).map((event) => event.type);
    expect(types.indexOf('task-failed')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('task-failed')).toBeLessThan(types.indexOf('task-dead'));
    expect(types.filter((type) => type === 'task-started')).toHaveLength(2);
    expect(taskEvents(stream.events, created.id).find((event) => event.type === 'task-failed')).toMatchObject(
      {
        data: { task_id: created.id, agent_id: agentId, status: 'failed' },
      },
    );
    stream.close();
  }, 100_000);
});

describe('a running task', () => {
  it('cannot be queued or retried (409); cancelling it ends it cancelled', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent();
    stub.enqueue({ type: 'hang' });
    const created = await createTask(agentId, { task_type: 'slow', max_attempts: 1, queue: true });
    const running = await waitForTask(app.http, owner.token, agentId, created.id, [
      'running',
      'completed',
      'dead',
    ]);
    expect(running).toMatchObject({ status: 'running', attempt_count: 1, started_at: expect.any(String) });
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/queue`, undefined, as(member)),
      409,
      'task_not_queueable',
    );
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/retry`, undefined, as(member)),
      409,
      'task_not_retryable',
    );
    const cancel = await app.http.post(`${taskPath(agentId, created.id)}/cancel`, undefined, as(member));
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(['running', 'cancelled']).toContain(cancel.body.status);
    const cancelled = await waitForTask(
      app.http,
      owner.token,
      agentId,
      created.id,
      ['cancelled', 'completed', 'dead'],
      10_000,
    );
    expect(cancelled.status).toBe('cancelled');
    // The stopped turn is recorded as a cancelled run, which the task links.
    const runs = (await app.http.get(`/api/v1/runs?agent_id=${agentId}&trigger=task`, as(owner))).body;
    expect(runs).toMatchObject([{ status: 'cancelled' }]);
    expect.soft(cancelled.run_id).toBe(runs[0].id);
    expect
      .soft(cancelled.attempts)
      .toEqual([expect.objectContaining({ attempt: 1, status: 'cancelled', run_id: runs[0].id })]);
    await expect
      .poll(() => taskEvents(stream.events, created.id).map((event) => event.type), { timeout: 5_000 })
      .toContain('task-cancelled');
    // Clients see the task's documented events (docs/events.md), each with its status.
    for (const event of taskEvents(stream.events, created.id)) {
      expect.soft(PUBLIC_TASK_EVENTS).toContain(event.type);
      expect.soft(event.data.status).toEqual(expect.any(String));
    }
    stream.close();
  });
});

describe('GET /api/v1/tasks/stats after failures', () => {
  it('counts the last 15 minutes’ completed and dead tasks, their throughput and failure rate', async () => {
    const stats = (await app.http.get('/api/v1/tasks/stats', as(reader))).body;
    const tasks = (await app.http.get('/api/v1/tasks?limit=200', as(reader))).body as { status: string }[];
    const counted = (status: string) => tasks.filter((task) => task.status === status).length;
    expect(counted('dead')).toBeGreaterThanOrEqual(1);
    for (const status of [
      'pending',
      'scheduled',
      'queued',
      'running',
      'completed',
      'failed',
      'dead',
      'cancelled',
    ])
      expect(stats.by_status[status], status).toBe(counted(status));
    expect(stats.by_priority).toEqual({ '5': tasks.length });
    expect(stats.queue_depth).toBe(0);
    expect(stats.oldest_waiting_seconds).toBeNull();
    // Every task of this file ended in the last 15 minutes.
    expect(stats.last_15_minutes.completed).toBeGreaterThanOrEqual(counted('completed'));
    expect(stats.last_15_minutes.dead).toBe(counted('dead'));
    expect(stats.last_15_minutes.failed).toBeGreaterThanOrEqual(counted('dead'));
    expect(stats.last_15_minutes.throughput_per_minute).toBeCloseTo(stats.last_15_minutes.completed / 15, 2);
    expect(stats.last_15_minutes.failure_rate).toBeGreaterThan(0);
    expect(stats.last_15_minutes.failure_rate).toBeLessThanOrEqual(1);
    expect(stats.agents).toHaveLength(4);
  });
});

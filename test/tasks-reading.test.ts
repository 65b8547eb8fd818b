import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import {
  as,
  createAgent,
  createTask,
  idsOf,
  startWorkerFor,
  taskPath,
  tasksPath,
  waitForTask,
} from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Reading agents' tasks over HTTP: one task under its own agent only, the agent's and the
 * organization's lists with their filters, sorts and pages, the queue statistics, and the order
 * in which queued tasks start. `held` is an API without workers, so what it queues waits (until a
 * test starts a worker on its database).
 */
let app: TestApp;
let held: TestApp;
let owner: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;

beforeAll(async () => {
  [app, held] = await Promise.all([startTestApp(), startTestApp({}, 'api')]);
  owner = await registerAccount(app.http, 'Owner');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
});
afterAll(async () => {
  await Promise.all([app?.close(), held?.close()]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reading tasks', () => {
  it('shows a task only under its own agent: another agent’s path or an unknown id 404, another organization 403', async () => {
    const agentId = await createAgent(app.http, owner);
    const otherAgent = await createAgent(app.http, owner, 'Other');
    const task = await createTask(app.http, owner, agentId, { task_type: 'ok' });
    expect((await app.http.get(taskPath(agentId, task.id), as(reader))).status).toBe(200);
    expectError(await app.http.get(taskPath(otherAgent, task.id), as(owner)), 404, 'not_found');
    expectError(
      await app.http.get(taskPath(agentId, '01890000-0000-7000-8000-000000000000'), as(owner)),
      404,
      'not_found',
    );
    for (const action of ['queue', 'cancel', 'retry']) {
      expectError(
        await app.http.post(`${taskPath(otherAgent, task.id)}/${action}`, undefined, as(owner)),
        404,
        'not_found',
      );
    }
    expectError(await app.http.get(taskPath(agentId, task.id), as(stranger)), 403, 'authorization_error');
    expectError(await app.http.get(tasksPath(agentId), as(stranger)), 403, 'authorization_error');
    expectError(await app.http.get(taskPath(agentId, task.id)), 401, 'authentication_error');
    expect((await app.http.get(taskPath(agentId, task.id), as(owner))).body.status).toBe('pending');
  });

  it('lists an agent’s tasks newest first, filtered, sorted and paged (readonly may read)', async () => {
    const account = await registerAccount(held.http, 'Lister');
    const agentId = await createAgent(held.http, account);
    const t1 = await createTask(held.http, account, agentId, { task_type: 'triage', priority: 3 });
    const t2 = await createTask(held.http, account, agentId, {
      task_type: 'report',
      priority: 1,
      queue: true,
    });
    const t3 = await createTask(held.http, account, agentId, { task_type: 'triage', priority: 9 });
    const t4 = await createTask(held.http, account, agentId, {
      task_type: 'report',
      priority: 5,
      queue: true,
    });
    expect(
      (await held.http.post(`${taskPath(agentId, t4.id)}/cancel`, undefined, as(account))).body.status,
    ).toBe('cancelled');
    const reading = await addMember(held.http, account, 'readonly');
    const list = async (query = '') => {
      const response = await held.http.get(`${tasksPath(agentId)}${query}`, as(reading));
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return { ids: idsOf(response.body), total: response.headers.get('x-total-count') };
    };
    expect(await list()).toEqual({ ids: [t4.id, t3.id, t2.id, t1.id], total: '4' });
    expect((await list('?status=queued')).ids).toEqual([t2.id]);
    expect((await list('?status=cancelled')).ids).toEqual([t4.id]);
    expect((await list('?task_type=triage')).ids).toEqual([t3.id, t1.id]);
    expect((await list('?priority_min=3&priority_max=5')).ids).toEqual([t4.id, t1.id]);
    expect((await list('?priority_max=2')).ids).toEqual([t2.id]);
    expect((await list('?source=api')).total).toBe('4');
    expect(await list('?source=slack')).toEqual({ ids: [], total: '0' });
    expect((await list('?sort=priority&order=asc')).ids).toEqual([t2.id, t1.id, t4.id, t3.id]);
    expect((await list('?sort=priority&order=desc')).ids).toEqual([t3.id, t4.id, t1.id, t2.id]);
    expect((await list('?sort=created_at&order=asc')).ids).toEqual([t1.id, t2.id, t3.id, t4.id]);
    expect(await list('?limit=2&offset=1')).toEqual({ ids: [t3.id, t2.id], total: '4' });
    for (const query of [
      '?status=bogus',
      '?priority_min=0',
      '?priority_max=11',
      '?sort=name',
      '?order=up',
      '?source=fax',
      '?limit=0',
    ]) {
      expectError(await held.http.get(`${tasksPath(agentId)}${query}`, as(reading)), 422, 'validation_error');
    }
  });

  it('lists the organization’s tasks across its agents, with an agent_id filter, and none of another organization', async () => {
    const account = await registerAccount(held.http, 'Fleet');
    const first = await createAgent(held.http, account, 'First');
    const second = await createAgent(held.http, account, 'Second');
    const a = await createTask(held.http, account, first, { task_type: 'sync', priority: 2 });
    const b = await createTask(held.http, account, second, { task_type: 'sync', priority: 8, queue: true });
    const c = await createTask(held.http, account, second, { task_type: 'audit', priority: 4 });
    const all = await held.http.get('/api/v1/tasks', as(account));
    expect(all.status).toBe(200);
    expect(idsOf(all.body)).toEqual([c.id, b.id, a.id]);
    expect(all.headers.get('x-total-count')).toBe('3');
    expect(idsOf((await held.http.get(`/api/v1/tasks?agent_id=${second}`, as(account))).body)).toEqual([
      c.id,
      b.id,
    ]);
    expect(idsOf((await held.http.get('/api/v1/tasks?status=queued', as(account))).body)).toEqual([b.id]);
    expect(
      idsOf((await held.http.get('/api/v1/tasks?task_type=sync&priority_min=3', as(account))).body),
    ).toEqual([b.id]);
    expect(idsOf((await held.http.get('/api/v1/tasks?sort=priority&order=asc', as(account))).body)).toEqual([
      a.id,
      c.id,
      b.id,
    ]);
    const page = await held.http.get('/api/v1/tasks?limit=1&offset=2', as(account));
    expect(idsOf(page.body)).toEqual([a.id]);
    expect(page.headers.get('x-total-count')).toBe('3');
    expectError(await held.http.get('/api/v1/tasks?agent_id=nope', as(account)), 422, 'validation_error');

    const outsider = await registerAccount(held.http, 'Outsider');
    const theirs = await held.http.get('/api/v1/tasks', as(outsider));
    expect(theirs.body).toEqual([]);
    expect(theirs.headers.get('x-total-count')).toBe('0');
    expect((await held.http.get(`/api/v1/tasks?agent_id=${first}`, as(outsider))).body).toEqual([]);
  });
});

describe('GET /api/v1/tasks/stats', () => {
  it('counts the organization’s tasks by status and priority, per agent, with the queue depth', async () => {
    const account = await registerAccount(held.http, 'Statistician');
    const first = await createAgent(held.http, account, 'First');
    const second = await createAgent(held.http, account, 'Second');
    await createTask(held.http, account, first, { task_type: 'a', priority: 1, queue: true });
    await createTask(held.http, account, first, { task_type: 'a', priority: 1, queue: true });
    await createTask(held.http, account, first, { task_type: 'a', priority: 3 });
    await createTask(held.http, account, second, {
      task_type: 'a',
      priority: 10,
      queue: true,
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const cancelled = await createTask(held.http, account, second, {
      task_type: 'a',
      priority: 5,
      queue: true,
    });
    await held.http.post(`${taskPath(second, cancelled.id)}/cancel`, undefined, as(account));
    await sleep(1_100);

    const reading = await addMember(held.http, account, 'readonly');
    const response = await held.http.get('/api/v1/tasks/stats', as(reading));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const stats = response.body;
    expect(stats.by_status).toEqual({
      pending: 1,
      scheduled: 1,
      queued: 2,
      running: 0,
      completed: 0,
      failed: 0,
      dead: 0,
      cancelled: 1,
    });
    expect(stats.by_priority['1']).toBe(2);
    expect(stats.by_priority['10']).toBe(1);
    expect(stats.by_priority['7'] ?? 0).toBe(0);
    expect(stats.queue_depth).toBe(3);
    expect(stats.oldest_waiting_seconds).toBeGreaterThanOrEqual(1);
    expect(stats.oldest_waiting_seconds).toBeLessThan(120);
    expect(stats.last_15_minutes).toMatchObject({
      completed: 0,
      failed: 0,
      dead: 0,
      throughput_per_minute: 0,
    });
    expect(stats.agents).toHaveLength(2);
    const ofAgent = (agentId: string) =>
      stats.agents.find((entry: { agent_id: string }) => entry.agent_id === agentId);
    expect(ofAgent(first)).toMatchObject({ by_status: { pending: 1, queued: 2 }, queue_depth: 2 });
    expect(ofAgent(second)).toMatchObject({ by_status: { scheduled: 1, cancelled: 1 }, queue_depth: 1 });

    const empty = await held.http.get('/api/v1/tasks/stats', as(await registerAccount(held.http, 'Empty')));
    expect(empty.body).toMatchObject({ queue_depth: 0, oldest_waiting_seconds: null, agents: [] });
    expect(Object.values(empty.body.by_status).every((count) => count === 0)).toBe(true);
    expectError(await held.http.get('/api/v1/tasks/stats'), 401, 'authentication_error');
  });
});

describe('tasks queued while no worker runs', () => {
  it('keep their job when queued twice; once a worker starts, the queued ones run most urgent first and a cancelled one never runs', async () => {
    const account = await registerAccount(held.http, 'Queuer');
    const agentId = await createAgent(held.http, account);
    const pending = await createTask(held.http, account, agentId, { task_type: 'job', priority: 5 });
    const first = await held.http.post(`${taskPath(agentId, pending.id)}/queue`, undefined, as(account));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ status: 'queued', celery_task_id: expect.any(String) });
    const second = await held.http.post(`${taskPath(agentId, pending.id)}/queue`, undefined, as(account));
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.queue_job_id).toBe(first.body.queue_job_id);

    const doomed = await createTask(held.http, account, agentId, {
      task_type: 'job',
      priority: 1,
      queue: true,
    });
    const cancelled = await held.http.post(`${taskPath(agentId, doomed.id)}/cancel`, undefined, as(account));
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const untouched = await createTask(held.http, account, agentId, { task_type: 'job' });
    const byPriority = new Map<number, string>([[5, pending.id]]);
    for (const priority of [7, 1, 4]) {
      const task = await createTask(held.http, account, agentId, { task_type: 'job', priority, queue: true });
      byPriority.set(priority, task.id);
    }

    // One task at a time: the queue hands them out by priority.
    const worker = await startWorkerFor(held, { TASK_WORKER_CONCURRENCY: '1' });
    try {
      const done = await Promise.all(
        [...byPriority.values()].map((taskId) =>
          waitForTask(held.http, account.token, agentId, taskId, ['completed', 'dead'], 30_000),
        ),
      );
      expect(done.map((task) => task.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      const startOrder = [...done]
        .sort((a, b) => new Date(a.started_at).getTime() - new Date(b.started_at).getTime())
        .map((task) => task.priority);
      expect(startOrder).toEqual([1, 4, 5, 7]);
      await sleep(1_000);
      const runs = await held.http.get(`/api/v1/runs?agent_id=${agentId}`, as(account));
      expect(new Set(idsOf(runs.body))).toEqual(new Set(done.map((task) => task.run_id)));
      expect((await held.http.get(taskPath(agentId, doomed.id), as(account))).body).toMatchObject({
        status: 'cancelled',
        run_id: null,
        attempt_count: 0,
        attempts: [],
      });
      expect((await held.http.get(taskPath(agentId, untouched.id), as(account))).body.status).toBe('pending');
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

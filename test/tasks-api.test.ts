import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_PREFIX } from '../src/platform/llm/offline-model.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream, type ReceivedEvent } from './support/event-stream.ts';
import { as, createAgent, createTask, idsOf, taskPath, tasksPath, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Autonomous agent tasks over HTTP (seed 000 phase 4): creation, queueing, processing by the
 * queue workers as turns of the agent (answered by the offline model) and cancellation. Reading,
 * lists and statistics are in tasks-reading.test.ts; failures, dead tasks and retries, with a
 * provider that fails on request, in tasks-failures.test.ts.
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
afterAll(async () => {
  await app?.close();
});

const bearer = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const taskEvents = (events: ReceivedEvent[], taskId: string) =>
  events.filter((event) => event.type.startsWith('task-') && event.data.task_id === taskId);

describe('POST /api/v1/agents/{id}/tasks', () => {
  it('creates a pending task with its defaults, which does not run until it is queued', async () => {
    const agentId = await createAgent(app.http, owner);
    const response = await app.http.post(
      tasksPath(agentId),
      { task_type: 'api_request', task_data: { message: 'Help with account access', user_id: 'u-1' } },
      as(member),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      agent_id: agentId,
      task_type: 'api_request',
      task_data: { message: 'Help with account access', user_id: 'u-1' },
      priority: 5,
      status: 'pending',
      source: 'api',
      channel_id: null,
      schedule_id: null,
      scheduled_at: null,
      max_attempts: 3,
      attempt_count: 0,
      idempotency_key: null,
      queue_job_id: null,
      celery_task_id: null,
      result: null,
      error: null,
      run_id: null,
      created_at: expect.any(String),
      queued_at: null,
      started_at: null,
      completed_at: null,
      updated_at: expect.any(String),
    });
    const task = response.body;
    const fetched = await app.http.get(taskPath(agentId, task.id), as(reader));
    expect(fetched.status).toBe(200);
    // Its one step so far: it was received (from the API), as an action of the agent.
    expect(fetched.body).toEqual({
      ...task,
      attempts: [],
      actions: [
        expect.objectContaining({
          action_type: 'task_received',
          task_id: task.id,
          run_id: null,
          success: true,
          action_data: { task_type: 'api_request', source: 'api', priority: 5 },
        }),
      ],
    });

    // Another task of the agent is queued and runs to its end; the pending one stays as it was.
    const queued = await createTask(app.http, member, agentId, { task_type: 'ping', queue: true });
    await waitForTask(app.http, owner.token, agentId, queued.id, ['completed']);
    expect((await app.http.get(taskPath(agentId, task.id), as(owner))).body).toEqual(fetched.body);
  });

  it('takes an empty task_data, a priority, max_attempts and a schedule without queueing', async () => {
    const agentId = await createAgent(app.http, owner);
    const scheduledAt = new Date(Date.now() + 3_600_000).toISOString();
    const task = await createTask(app.http, owner, agentId, {
      task_type: 'report.weekly-v2',
      priority: 1,
      max_attempts: 20,
      scheduled_at: scheduledAt,
    });
    expect(task).toMatchObject({
      task_type: 'report.weekly-v2',
      task_data: {},
      priority: 1,
      max_attempts: 20,
      status: 'pending',
      queue_job_id: null,
    });
    expect(new Date(task.scheduled_at).getTime()).toBe(new Date(scheduledAt).getTime());
    const least = await createTask(app.http, owner, agentId, {
      task_type: 'x',
      priority: 10,
      max_attempts: 1,
    });
    expect(least).toMatchObject({ priority: 10, max_attempts: 1 });
  });

  it('answers the task already created for the same idempotency key (200), and creates nothing', async () => {
    const agentId = await createAgent(app.http, owner);
    const body = { task_type: 'api_request', task_data: { n: 1 }, idempotency_key: 'request-42' };
    const first = await app.http.post(tasksPath(agentId), body, as(member));
    expect(first.status).toBe(201);
    expect(first.body.idempotency_key).toBe('request-42');
    const again = await app.http.post(tasksPath(agentId), body, as(member));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.task_type).toBe('api_request');
    const listed = await app.http.get(tasksPath(agentId), as(owner));
    expect(listed.headers.get('x-total-count')).toBe('1');
    expect(idsOf(listed.body)).toEqual([first.body.id]);

    // The key belongs to the agent: another agent's task with the same key is a task of its own.
    const otherAgent = await createAgent(app.http, owner, 'Other');
    const other = await app.http.post(tasksPath(otherAgent), body, as(member));
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('refuses invalid bodies with 422 validation_error and creates nothing', async () => {
    const agentId = await createAgent(app.http, owner);
    const invalid: unknown[] = [
      {},
      { task_type: '' },
      { task_type: 'a'.repeat(51) },
      { task_type: 'has spaces' },
      { task_type: 'semi;colon' },
      { task_type: 42 },
      { task_type: 'ok', priority: 0 },
      { task_type: 'ok', priority: 11 },
      { task_type: 'ok', priority: 2.5 },
      { task_type: 'ok', task_data: 'text' },
      { task_type: 'ok', task_data: ['a', 'b'] },
      { task_type: 'ok', task_data: null },
      { task_type: 'ok', max_attempts: 0 },
      { task_type: 'ok', max_attempts: 21 },
      { task_type: 'ok', scheduled_at: 'tomorrow' },
      { task_type: 'ok', idempotency_key: 'k'.repeat(201) },
      { task_type: 'ok', queue: 'yes' },
      { task_type: 'ok', unknown_field: true },
    ];
    for (const body of invalid) {
      const response = await app.http.post(tasksPath(agentId), body, as(owner));
      expectError(response, 422, 'validation_error');
    }
    expect(
      (await createTask(app.http, owner, agentId, { task_type: 'a'.repeat(50) })).task_type,
    ).toHaveLength(50);
    const listed = await app.http.get(tasksPath(agentId), as(owner));
    expect(listed.headers.get('x-total-count')).toBe('1');
  });

  it('lets agent_user and above create; readonly 403, another organization 403, unknown agent 404, no credentials 401', async () => {
    const agentId = await createAgent(app.http, owner);
    expect((await app.http.post(tasksPath(agentId), { task_type: 'ok' }, as(owner))).status).toBe(201);
    expectError(
      await app.http.post(tasksPath(agentId), { task_type: 'ok' }, as(reader)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.post(tasksPath(agentId), { task_type: 'ok' }, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.post(tasksPath('01890000-0000-7000-8000-000000000000'), { task_type: 'ok' }, as(owner)),
      404,
      'not_found',
    );
    expectError(await app.http.post(tasksPath(agentId), { task_type: 'ok' }), 401, 'authentication_error');
    expect((await app.http.get(tasksPath(agentId), as(owner))).headers.get('x-total-count')).toBe('1');
  });
});

describe('processing', () => {
  it('runs a queued task as a task turn of the agent: completed, with its answer, run, attempt and actions', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent(app.http, owner, 'Support');
    const created = await createTask(app.http, member, agentId, {
      task_type: 'api_request',
      task_data: { request_type: 'support_inquiry', message: 'Help with account access' },
      priority: 3,
      queue: true,
    });
    expect(created).toMatchObject({ status: 'queued', attempt_count: 0, run_id: null });
    expect(created.queue_job_id).toEqual(expect.any(String));
    expect(created.celery_task_id).toBe(created.queue_job_id);
    expect(created.queued_at).toEqual(expect.any(String));

    const task = await waitForTask(app.http, owner.token, agentId, created.id, [
      'completed',
      'failed',
      'dead',
    ]);
    expect(task).toMatchObject({
      id: created.id,
      status: 'completed',
      attempt_count: 1,
      error: null,
      queue_job_id: created.queue_job_id,
      celery_task_id: created.queue_job_id,
      run_id: expect.any(String),
      started_at: expect.any(String),
      completed_at: expect.any(String),
      result: { answer: expect.stringContaining(OFFLINE_PREFIX) },
    });
    expect(task.result.answer).toContain('Help with account access');
    expect(task.result).toHaveProperty('structured_output');
    expect(new Date(task.completed_at).getTime()).toBeGreaterThanOrEqual(new Date(task.started_at).getTime());
    expect(task.attempts).toEqual([
      {
        attempt: 1,
        status: 'completed',
        run_id: task.run_id,
        error: null,
        started_at: expect.any(String),
        ended_at: expect.any(String),
      },
    ]);

    const run = await app.http.get(`/api/v1/runs/${task.run_id}`, as(reader));
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ agent_id: agentId, trigger: 'task', status: 'completed' });
    expect(run.body.output).toBe(task.result.answer);

    // The task shows every step in the order it happened: its own and its run's, as the agent's
    // actions list shows them (newest first there).
    const types = (actions: { action_type: string }[]) => actions.map((action) => action.action_type);
    expect(types(task.actions)).toEqual([
      'task_received',
      'task_queued',
      'task_started',
      'llm_call',
      'chat_response',
      'task_completed',
    ]);
    const ofRun = await app.http.get(`/api/v1/agents/${agentId}/actions?run_id=${task.run_id}`, as(owner));
    expect(types(ofRun.body)).toEqual(['task_completed', 'chat_response', 'llm_call']);
    const ofTask = await app.http.get(`/api/v1/agents/${agentId}/actions?task_id=${task.id}`, as(owner));
    expect(types(ofTask.body)).toEqual(['task_completed', 'task_started', 'task_queued', 'task_received']);
    expect(ofTask.body[0]).toMatchObject({ run_id: task.run_id, task_id: task.id, success: true });

    await expect
      .poll(() => taskEvents(stream.events, created.id).map((event) => event.type), { timeout: 5_000 })
      .toEqual(['task-created', 'task-queued', 'task-started', 'task-completed']);
    const [createdEvent, queuedEvent, startedEvent, completedEvent] = taskEvents(stream.events, created.id);
    // Created with `queue: true`, the task is queued from its first moment.
    expect(createdEvent?.data).toMatchObject({ task_id: created.id, agent_id: agentId, status: 'queued' });
    expect(queuedEvent).toMatchObject({
      organization_id: owner.organizationId,
      data: { task_id: created.id, agent_id: agentId, status: 'queued' },
    });
    expect(startedEvent?.data).toMatchObject({ task_id: created.id, agent_id: agentId, status: 'running' });
    expect(completedEvent?.data).toMatchObject({
      task_id: created.id,
      agent_id: agentId,
      status: 'completed',
    });
    stream.close();
  });

  it('queues a pending task on request, and then refuses to queue, cancel or retry it once completed (409)', async () => {
    const agentId = await createAgent(app.http, owner);
    const created = await createTask(app.http, owner, agentId, {
      task_type: 'follow_up',
      task_data: { message: 'Remind the customer about the invoice' },
    });
    const queued = await app.http.post(`${taskPath(agentId, created.id)}/queue`, undefined, as(member));
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    expect(['queued', 'running', 'completed']).toContain(queued.body.status);
    expect(queued.body.queue_job_id).toEqual(expect.any(String));
    expect(queued.body.celery_task_id).toBe(queued.body.queue_job_id);

    const task = await waitForTask(app.http, owner.token, agentId, created.id, [
      'completed',
      'failed',
      'dead',
    ]);
    expect(task.status).toBe('completed');
    expect(task.result.answer).toContain('Remind the customer about the invoice');
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/queue`, undefined, as(owner)),
      409,
      'task_not_queueable',
    );
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/cancel`, undefined, as(owner)),
      409,
      'task_not_cancellable',
    );
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/retry`, undefined, as(owner)),
      409,
      'task_not_retryable',
    );
    expect((await app.http.get(taskPath(agentId, created.id), as(owner))).body).toMatchObject({
      status: 'completed',
      attempt_count: 1,
    });
  });

  it('holds a scheduled task until its time, then runs it; a past schedule queues at once', async () => {
    const agentId = await createAgent(app.http, owner);
    const scheduledAt = new Date(Date.now() + 2_000).toISOString();
    const created = await createTask(app.http, owner, agentId, {
      task_type: 'later',
      scheduled_at: scheduledAt,
      queue: true,
    });
    expect(created).toMatchObject({ status: 'scheduled', celery_task_id: expect.any(String) });
    expect((await app.http.get(taskPath(agentId, created.id), as(owner))).body.status).toBe('scheduled');
    const task = await waitForTask(app.http, owner.token, agentId, created.id, [
      'completed',
      'failed',
      'dead',
    ]);
    expect(task.status).toBe('completed');
    expect(new Date(task.started_at).getTime()).toBeGreaterThanOrEqual(new Date(scheduledAt).getTime());

    const past = await createTask(app.http, owner, agentId, {
      task_type: 'overdue',
      scheduled_at: new Date(Date.now() - 60_000).toISOString(),
      queue: true,
    });
    expect(['queued', 'running', 'completed']).toContain(past.status);
    expect((await waitForTask(app.http, owner.token, agentId, past.id, ['completed'])).attempt_count).toBe(1);
  });

  it('parks the task of an inactive agent as dead at its first attempt (a retry cannot fix it)', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent(app.http, owner);
    const patched = await app.http.patch(`/api/v1/agents/${agentId}`, { status: 'inactive' }, as(owner));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const created = await createTask(app.http, member, agentId, { task_type: 'ping', queue: true });
    const dead = await waitForTask(app.http, owner.token, agentId, created.id, ['dead', 'completed']);
    expect(dead).toMatchObject({
      status: 'dead',
      attempt_count: 1,
      max_attempts: 3,
      result: null,
      error: { code: 'agent_inactive', message: expect.any(String) },
      completed_at: expect.any(String),
    });
    expect(dead.attempts).toMatchObject([{ attempt: 1, status: 'failed', error: dead.error }]);
    await expect
      .poll(() => taskEvents(stream.events, created.id).map((event) => event.type), { timeout: 5_000 })
      .toContain('task-dead');
    expect(taskEvents(stream.events, created.id).at(-1)).toMatchObject({
      type: 'task-dead',
      data: { task_id: created.id, agent_id: agentId, status: 'dead' },
    });
    expect(taskEvents(stream.events, created.id).map((event) => event.type)).not.toContain('task-failed');
    stream.close();
  });

  it('cancels a scheduled task, which then never runs, and refuses to queue, cancel or retry it again', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(owner));
    const agentId = await createAgent(app.http, owner);
    const created = await createTask(app.http, owner, agentId, {
      task_type: 'later',
      scheduled_at: new Date(Date.now() + 1_500).toISOString(),
      queue: true,
    });
    expectError(
      await app.http.post(`${taskPath(agentId, created.id)}/cancel`, undefined, as(reader)),
      403,
      'authorization_error',
    );
    const cancelled = await app.http.post(`${taskPath(agentId, created.id)}/cancel`, undefined, as(member));
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ id: created.id, status: 'cancelled' });

    await sleep(3_000);
    const task = (await app.http.get(taskPath(agentId, created.id), as(owner))).body;
    expect(task).toMatchObject({ status: 'cancelled', run_id: null, started_at: null, attempt_count: 0 });
    expect(task.attempts).toEqual([]);
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agentId}`, as(owner));
    expect(runs.body).toEqual([]);

    for (const [action, code] of [
      ['queue', 'task_not_queueable'],
      ['cancel', 'task_not_cancellable'],
      ['retry', 'task_not_retryable'],
    ] as const) {
      expectError(
        await app.http.post(`${taskPath(agentId, created.id)}/${action}`, undefined, as(owner)),
        409,
        code,
      );
    }
    await expect
      .poll(() => taskEvents(stream.events, created.id).map((event) => event.type), { timeout: 5_000 })
      .toContain('task-cancelled');
    expect(
      taskEvents(stream.events, created.id).find((event) => event.type === 'task-cancelled'),
    ).toMatchObject({
      data: { task_id: created.id, agent_id: agentId, status: 'cancelled' },
    });
    expect(taskEvents(stream.events, created.id).map((event) => event.type)).not.toContain('task-started');
    stream.close();
  });
});

import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentryModule } from '../src/app.ts';
import {
  type ScheduleTickDependencies,
  TASK_SCHEDULES_QUEUE,
  tickTaskSchedules,
} from '../src/modules/tasks/task-schedule-job.ts';
import { taskSchedules } from '../src/modules/tasks/task-schedule-tables.ts';
import { type EventBus, startEventBus } from '../src/platform/events/event-bus.ts';
import type { JobQueue } from '../src/platform/queue/job-queue.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { as, createAgent, taskPath, tasksPath, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Recurring tasks (issue 10) over HTTP: a schedule's CRUD and validation, and its firing. Time is
 * not waited for: a test moves a schedule's next_run_at into the past through the app's database,
 * then runs the tick, either as the every-minute cron does (a job sent to the `task-schedules`
 * queue, run by the app's worker) or by calling it directly, several at once. Schedules here are
 * yearly (1 January), so that the app's own every-minute tick never finds one due by itself.
 */
const YEARLY = '0 0 1 1 *';

let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;
let queue: JobQueue | undefined;
let events: EventBus;
let tick: ScheduleTickDependencies;

/** The job queue, as the job registry hands it to every module at start. */
const captureQueue: AgentryModule = (_app, { jobs }) => {
  jobs.atStart(async (started) => {
    queue = started;
  });
};

beforeAll(async () => {
  app = await startTestApp({}, 'all', [captureQueue]);
  owner = await registerAccount(app.http, 'Owner');
  member = await addMember(app.http, owner, 'agent_user');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
  // A tick run by the test is another process's: its own event bus on the same database.
  events = await startEventBus(app.database.connection, app.database.db, {
    onError: (error) => {
      throw error;
    },
  });
  tick = { db: app.database.db, queue: queue as JobQueue, events };
});
afterAll(async () => {
  await events?.close();
  await app?.close();
});

const schedulesPath = (agentId: string) => `/api/v1/agents/${agentId}/task-schedules`;
const schedulePath = (agentId: string, scheduleId: string) => `${schedulesPath(agentId)}/${scheduleId}`;

/** The first `HH:MM` of `month`/`day` (UTC) after now, as an ISO time. */
function nextUtc(month: number, day: number, hour = 0, minute = 0) {
  const year = new Date().getUTCFullYear();
  const thisYear = Date.UTC(year, month - 1, day, hour, minute);
  return new Date(
    thisYear > Date.now() ? thisYear : Date.UTC(year + 1, month - 1, day, hour, minute),
  ).toISOString();
}

async function createSchedule(account: TestAccount, agentId: string, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    schedulesPath(agentId),
    { name: `Schedule ${Math.random()}`, cron: YEARLY, task_type: 'report', ...body },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** Makes the schedule due: its next occurrence becomes `occurrence` (in the past). */
const makeDue = (scheduleId: string, occurrence: Date) =>
  app.database.db
    .update(taskSchedules)
    .set({ nextRunAt: occurrence })
    .where(eq(taskSchedules.id, scheduleId));

const minutesAgo = (minutes: number) => new Date((Math.floor(Date.now() / 60_000) - minutes) * 60_000);

/** The schedule's row, read past the API (its agent may be deleted). */
async function scheduleRow(scheduleId: string) {
  const [row] = await app.database.db.select().from(taskSchedules).where(eq(taskSchedules.id, scheduleId));
  return row;
}

const agentTasks = async (agentId: string) => {
  const response = await app.http.get(`/api/v1/tasks?agent_id=${agentId}`, as(owner));
  expect(response.status).toBe(200);
  return response.body as Record<string, any>[];
};

/** Polls `read` until its value passes `done`, within 15 s; returns that value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Sends the tick's job, as its cron schedule does, and waits until the schedule has fired. */
async function tickThroughQueue(agentId: string, scheduleId: string) {
  expect(await (queue as JobQueue).send(TASK_SCHEDULES_QUEUE, {})).toEqual(expect.any(String));
  return until(
    async () => (await app.http.get(schedulePath(agentId, scheduleId), as(owner))).body,
    (schedule) => schedule.last_task_id !== null,
  );
}

describe('POST /api/v1/agents/{id}/task-schedules', () => {
  it('creates a schedule with its defaults and its next occurrence', async () => {
    const agentId = await createAgent(app.http, owner);
    const response = await app.http.post(
      schedulesPath(agentId),
      { name: 'New year report', cron: YEARLY, task_type: 'yearly_report', task_data: { message: 'Sum up' } },
      as(member),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      agent_id: agentId,
      name: 'New year report',
      cron: YEARLY,
      timezone: 'UTC',
      task_type: 'yearly_report',
      task_data: { message: 'Sum up' },
      priority: 5,
      max_attempts: 3,
      enabled: true,
      next_run_at: nextUtc(1, 1),
      last_run_at: null,
      last_task_id: null,
      created_by_user_id: member.userId,
      created_by_api_key_id: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const fetched = await app.http.get(schedulePath(agentId, response.body.id), as(reader));
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
  });

  it('reads the expression in its time zone; a disabled schedule has no next occurrence', async () => {
    const agentId = await createAgent(app.http, owner);
    // Midnight on 1 January in Tokyo (UTC+9, no daylight saving time) is 15:00 UTC on 31 December.
    const tokyo = await createSchedule(owner, agentId, {
      timezone: 'Asia/Tokyo',
      priority: 2,
      max_attempts: 5,
    });
    expect(tokyo).toMatchObject({ timezone: 'Asia/Tokyo', priority: 2, max_attempts: 5 });
    expect(tokyo.next_run_at).toBe(nextUtc(12, 31, 15));
    const disabled = await createSchedule(owner, agentId, { enabled: false });
    expect(disabled).toMatchObject({ enabled: false, next_run_at: null });
  });

  it('records the API key that created it', async () => {
    const agentId = await createAgent(app.http, owner);
    const key = await app.http.post('/api/v1/api-keys', { name: 'scheduler', role: 'agent_user' }, as(owner));
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const schedule = await createSchedule({ ...owner, token: key.body.key }, agentId);
    expect(schedule).toMatchObject({ created_by_user_id: null, created_by_api_key_id: key.body.id });
  });

  it('refuses an expression, a time zone or a priority that is not valid (422, naming the field)', async () => {
    const agentId = await createAgent(app.http, owner);
    const refused = [
      [{ cron: '* * * *' }, 'cron', /5 fields/],
      [{ cron: '0 * * * * *' }, 'cron', /5 fields/],
      [{ cron: '61 * * * *' }, 'cron', /0-59/],
      [{ cron: '0 0 30 2 *' }, 'cron', /not a valid cron expression/],
      [{ cron: 'H * * * *' }, 'cron', /not supported/],
      [{ timezone: 'Mars/Olympus_Mons' }, 'timezone', /IANA time zone/],
      [{ timezone: '+02:00' }, 'timezone', /IANA time zone/],
      [{ priority: 0 }, 'priority', /./],
      [{ priority: 11 }, 'priority', /./],
      [{ max_attempts: 0 }, 'max_attempts', /./],
      [{ task_type: 'not a type!' }, 'task_type', /./],
      [{ name: '' }, 'name', /./],
      [{ surprise: true }, 'surprise', /unknown field/],
    ] as const;
    for (const [change, field, message] of refused) {
      const response = await app.http.post(
        schedulesPath(agentId),
        { name: 'Refused', cron: YEARLY, task_type: 'report', ...change },
        as(owner),
      );
      expectError(response, 422, 'validation_error');
      expect(response.body.validation_errors, JSON.stringify(change)).toEqual([
        expect.objectContaining({ field, message: expect.stringMatching(message) }),
      ]);
    }
    expect((await app.http.get(schedulesPath(agentId), as(owner))).body).toEqual([]);
  });

  it('refuses a name the agent already has (409); another agent may use it', async () => {
    const agentId = await createAgent(app.http, owner);
    await createSchedule(owner, agentId, { name: 'Daily digest' });
    const duplicate = await app.http.post(
      schedulesPath(agentId),
      { name: 'Daily digest', cron: '0 8 * * *', task_type: 'digest' },
      as(owner),
    );
    expectError(duplicate, 409, 'task_schedule_name_taken');
    await createSchedule(owner, await createAgent(app.http, owner), { name: 'Daily digest' });
  });
});

describe('reading, changing and deleting schedules', () => {
  it('lists the agent’s schedules newest first, paginated with X-Total-Count', async () => {
    const agentId = await createAgent(app.http, owner);
    const created = [];
    for (const name of ['first', 'second', 'third'])
      created.push(await createSchedule(owner, agentId, { name }));
    await createSchedule(owner, await createAgent(app.http, owner), { name: 'elsewhere' });
    const page = await app.http.get(`${schedulesPath(agentId)}?limit=2`, as(reader));
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count')).toBe('3');
    expect(page.body.map((schedule: { name: string }) => schedule.name)).toEqual(['third', 'second']);
    const rest = await app.http.get(`${schedulesPath(agentId)}?limit=2&offset=2`, as(reader));
    expect(rest.body).toEqual([created[0]]);
    expect((await app.http.get(`${schedulesPath(agentId)}?limit=0`, as(reader))).status).toBe(422);
  });

  it('recomputes next_run_at when cron, time zone or enabled change, and only then', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(owner, agentId, { name: 'Changing' });
    const path = schedulePath(agentId, schedule.id);

    const renamed = await app.http.patch(
      path,
      {
        name: 'Changed',
        task_type: 'summary',
        task_data: { message: 'Summarize' },
        priority: 1,
        max_attempts: 2,
      },
      as(member),
    );
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toEqual({
      ...schedule,
      name: 'Changed',
      task_type: 'summary',
      task_data: { message: 'Summarize' },
      priority: 1,
      max_attempts: 2,
      updated_at: expect.any(String),
    });

    const recron = await app.http.patch(path, { cron: '0 12 1 7 *' }, as(member));
    expect(recron.body).toMatchObject({ cron: '0 12 1 7 *', next_run_at: nextUtc(7, 1, 12) });
    const rezoned = await app.http.patch(path, { timezone: 'Asia/Tokyo' }, as(member));
    // Noon on 1 July in Tokyo is 03:00 UTC.
    expect(rezoned.body).toMatchObject({ timezone: 'Asia/Tokyo', next_run_at: nextUtc(7, 1, 3) });
    const disabled = await app.http.patch(path, { enabled: false }, as(member));
    expect(disabled.body).toMatchObject({ enabled: false, next_run_at: null });
    const enabled = await app.http.patch(path, { enabled: true }, as(member));
    expect(enabled.body).toMatchObject({ enabled: true, next_run_at: nextUtc(7, 1, 3) });
    expect((await app.http.get(path, as(reader))).body).toEqual(enabled.body);

    await createSchedule(owner, agentId, { name: 'Taken' });
    expectError(await app.http.patch(path, { name: 'Taken' }, as(member)), 409, 'task_schedule_name_taken');
    const badCron = await app.http.patch(path, { cron: '* * *' }, as(member));
    expectError(badCron, 422, 'validation_error');
    expect(badCron.body.validation_errors[0].field).toBe('cron');
    expect((await app.http.get(path, as(reader))).body).toEqual(enabled.body);
  });

  it('deletes a schedule (204), which then is gone', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(owner, agentId);
    const path = schedulePath(agentId, schedule.id);
    const deleted = await app.http.delete(path, as(member));
    expect(deleted.status).toBe(204);
    expectError(await app.http.get(path, as(owner)), 404, 'not_found');
    expectError(await app.http.delete(path, as(owner)), 404, 'not_found');
    expectError(await app.http.patch(path, { enabled: false }, as(owner)), 404, 'not_found');
    expect((await app.http.get(schedulesPath(agentId), as(owner))).body).toEqual([]);
  });

  it('lets readers read but not write; answers 404 for a missing agent or another agent’s schedule', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(owner, agentId);
    const path = schedulePath(agentId, schedule.id);
    expect((await app.http.get(path, as(reader))).status).toBe(200);
    expectError(
      await app.http.post(
        schedulesPath(agentId),
        { name: 'x', cron: YEARLY, task_type: 'report' },
        as(reader),
      ),
      403,
      'authorization_error',
    );
    expectError(await app.http.patch(path, { enabled: false }, as(reader)), 403, 'authorization_error');
    expectError(await app.http.delete(path, as(reader)), 403, 'authorization_error');

    const otherAgent = await createAgent(app.http, owner);
    expectError(await app.http.get(schedulePath(otherAgent, schedule.id), as(owner)), 404, 'not_found');
    const missing = '01973c1f-7000-7b2e-8d4c-3a9f0e6b1c28';
    expectError(await app.http.get(schedulesPath(missing), as(owner)), 404, 'not_found');
    expectError(await app.http.get(schedulePath(agentId, missing), as(owner)), 404, 'not_found');

    // Another organization: 403 on our agent, 404 for our schedule under its own agent.
    expectError(await app.http.get(path, as(stranger)), 403, 'authorization_error');
    const strangerAgent = await createAgent(app.http, stranger);
    expectError(await app.http.get(schedulePath(strangerAgent, schedule.id), as(stranger)), 404, 'not_found');
    expectError(
      await app.http.patch(schedulePath(strangerAgent, schedule.id), { enabled: false }, as(stranger)),
      404,
      'not_found',
    );
    expect((await app.http.get(path, as(owner))).body).toEqual(schedule);
  });
});

describe('firing', () => {
  it('turns a due occurrence into one queued task of the template, run as its creator’s work', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(member, agentId, {
      name: 'Fires',
      task_type: 'digest',
      task_data: { message: 'What happened today?' },
      priority: 3,
      max_attempts: 2,
    });
    const occurrence = minutesAgo(1);
    await makeDue(schedule.id, occurrence);

    const fired = await tickThroughQueue(agentId, schedule.id);
    expect(fired).toMatchObject({
      enabled: true,
      next_run_at: nextUtc(1, 1),
      last_run_at: expect.any(String),
    });
    expect(Date.parse(fired.last_run_at)).toBeGreaterThanOrEqual(occurrence.getTime());

    const tasks = await agentTasks(agentId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      id: fired.last_task_id,
      agent_id: agentId,
      source: 'schedule',
      schedule_id: schedule.id,
      channel_id: null,
      task_type: 'digest',
      task_data: { message: 'What happened today?' },
      priority: 3,
      max_attempts: 2,
      scheduled_at: occurrence.toISOString(),
      idempotency_key: `schedule:${schedule.id}:${occurrence.toISOString()}`,
    });
    const done = await waitForTask(app.http, owner.token, agentId, fired.last_task_id, ['completed']);
    expect(done.result.answer).toEqual(expect.any(String));
    const run = await app.http.get(`/api/v1/runs/${done.run_id}`, as(owner));
    expect(run.body).toMatchObject({ trigger: 'task', created_by_user_id: member.userId });
    expect((await app.http.get(`${tasksPath(agentId)}?source=schedule`, as(owner))).body).toHaveLength(1);
    expect((await app.http.get(taskPath(agentId, done.id), as(owner))).body.actions[0]).toMatchObject({
      action_type: 'task_received',
      action_data: expect.objectContaining({ source: 'schedule', schedule_id: schedule.id }),
    });
  });

  it('catches missed occurrences up with one task, then goes on from the next one after now', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(owner, agentId, { name: 'Was down' });
    // Three new years passed while nothing ran.
    const missed = new Date(Date.UTC(new Date().getUTCFullYear() - 2, 0, 1));
    await makeDue(schedule.id, missed);

    const fired = await tickThroughQueue(agentId, schedule.id);
    expect(fired.next_run_at).toBe(nextUtc(1, 1));
    const tasks = await agentTasks(agentId);
    expect(tasks.map((task) => task.idempotency_key)).toEqual([
      `schedule:${schedule.id}:${missed.toISOString()}`,
    ]);
    expect(await tickTaskSchedules(tick)).toBe(0);
    expect(await agentTasks(agentId)).toHaveLength(1);
  });

  it('creates exactly one task per occurrence when ticks run at once', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedules = [];
    for (const name of ['one', 'two', 'three'])
      schedules.push(await createSchedule(owner, agentId, { name }));
    const occurrence = minutesAgo(2);
    for (const schedule of schedules) await makeDue(schedule.id, occurrence);

    const created = await Promise.all([
      tickTaskSchedules(tick),
      tickTaskSchedules(tick),
      tickTaskSchedules(tick),
    ]);
    // The app's own every-minute tick may have taken some first; between them, never more than one each.
    expect(created.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(3);
    const tasks = await agentTasks(agentId);
    expect(tasks.map((task) => task.idempotency_key).sort()).toEqual(
      schedules.map((schedule) => `schedule:${schedule.id}:${occurrence.toISOString()}`).sort(),
    );
    for (const schedule of schedules) {
      const current = (await app.http.get(schedulePath(agentId, schedule.id), as(owner))).body;
      expect(current.next_run_at).toBe(nextUtc(1, 1));
      expect(tasks.map((task) => task.id)).toContain(current.last_task_id);
    }
  });

  it('never fires a disabled schedule', async () => {
    const agentId = await createAgent(app.http, owner);
    const disabled = await createSchedule(owner, agentId, { enabled: false });
    const paused = await createSchedule(owner, agentId);
    await app.http.patch(schedulePath(agentId, paused.id), { enabled: false }, as(owner));
    // Even with a time in the past (a row written by hand), a disabled schedule is not due.
    await makeDue(disabled.id, minutesAgo(5));
    const due = await createSchedule(owner, await createAgent(app.http, owner));
    await makeDue(due.id, minutesAgo(5));

    await tickTaskSchedules(tick);
    // Fired by this tick, or by the app's own one if it came first.
    await until(
      () => scheduleRow(due.id),
      (row) => row?.lastTaskId !== null,
    );
    expect(await agentTasks(agentId)).toEqual([]);
    expect(await scheduleRow(disabled.id)).toMatchObject({
      enabled: false,
      lastRunAt: null,
      lastTaskId: null,
    });
    expect(await scheduleRow(paused.id)).toMatchObject({ enabled: false, nextRunAt: null, lastRunAt: null });
  });

  it('disables, without a task, a due schedule whose agent was deleted', async () => {
    const agentId = await createAgent(app.http, owner);
    const schedule = await createSchedule(owner, agentId);
    await makeDue(schedule.id, minutesAgo(1));
    expect((await app.http.delete(`/api/v1/agents/${agentId}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(schedulePath(agentId, schedule.id), as(owner)), 404, 'not_found');

    await tickTaskSchedules(tick);
    expect(await scheduleRow(schedule.id)).toMatchObject({
      enabled: false,
      nextRunAt: null,
      lastTaskId: null,
    });
    expect(await agentTasks(agentId)).toEqual([]);
  });
});

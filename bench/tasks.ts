import type { Client } from 'undici';
import type { Api } from './api.ts';
import { percentile } from './load.ts';
import { followTaskEndings } from './task-events.ts';
import { openClient } from './turn-load.ts';
import { type TurnFixture, USER_MESSAGE } from './turns.ts';

/**
 * The tasks group: autonomous tasks (docs/tasks.md) of the turn group's agent, queued on the
 * `agent-tasks` queue and run by the server's task workers, each as one turn against the stub.
 */

/** TASK_WORKER_CONCURRENCY of the server: as many task turns at once as the execute comparison's connections. */
export const TASK_WORKERS = 16;
/**
 * Clients creating the throughput run's tasks at once, each on its own keep-alive connection: as
 * many as the execute comparison's connections.
 */
export const TASK_CREATORS = 16;
/** Tasks run (and checked) before each measurement, not measured. */
export const THROUGHPUT_WARMUP_TASKS = 64;
export const LATENCY_WARMUP_TASKS = 10;
/** How often the throughput run reads `GET /tasks/stats` to see whether every task has ended. */
const STATS_POLL_MS = 50;
const DRAIN_TIMEOUT_MS = 120_000;
const TASK_TIMEOUT_MS = 30_000;
const LIST_PAGE = 200;
const MAX_FAILURE_SAMPLES = 5;
const TASK_TYPE = 'bench_inquiry';
/** Statuses of a task that has not ended well: each must be 0 once the queue has drained. */
const NOT_COMPLETED = ['pending', 'scheduled', 'queued', 'running', 'failed', 'dead', 'cancelled'];
const UNFINISHED_RUNS = ['running', 'failed', 'cancelled', 'abandoned'];

export interface TaskThroughput {
  /** Tasks created in the measured run (201 answers). */
  tasks: number;
  /** Of those, the tasks listed `completed` after one attempt. */
  completed: number;
  /** First creation request sent to the last 201 read. */
  creationSeconds: number;
  /** First creation request sent to the last task's `completed_at`. */
  seconds: number;
  tasksPerSecond: number;
  problems: string[];
  notes: string[];
}

/** Nearest-rank p50 and p99 in ms. */
export interface Spread {
  p50Ms: number;
  p99Ms: number;
}

export interface TaskLatency {
  samples: number;
  /** `queued_at` to `started_at`: from the job's enqueueing to a worker claiming the task (server clock). */
  queuedToStarted: Spread;
  /** `created_at` to `completed_at` (server clock). */
  createdToCompleted: Spread;
  /** The creation request sent to the `task-completed` event read, in this process. */
  observed: Spread;
  problems: string[];
  notes: string[];
}

interface Created {
  id?: string;
  failure?: string;
}

const headersOf = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});
const tasksPath = (agentId: string) => `/api/v1/agents/${agentId}/tasks`;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const spreadOf = (values: number[]): Spread => {
  const sorted = Float64Array.from(values).sort();
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
};
const failuresText = (failures: string[]) =>
  `${failures.length} FAILED (first: ${failures.slice(0, MAX_FAILURE_SAMPLES).join(' | ')})`;

/** `POST /agents/{id}/tasks` with `queue: true`: a 201 with a queued task, or why not. */
async function createTask(
  client: Client,
  headers: Record<string, string>,
  path: string,
  sequence: number,
): Promise<Created> {
  try {
    const { statusCode, body } = await client.request({
      method: 'POST',
      path,
      headers,
      body: JSON.stringify({
        task_type: TASK_TYPE,
        task_data: { message: USER_MESSAGE, sequence },
        priority: 5,
        queue: true,
      }),
    });
    const text = await body.text();
    if (statusCode !== 201) return { failure: `HTTP ${statusCode}: ${text.slice(0, 300)}` };
    const task = JSON.parse(text) as { id?: string; status?: string };
    if (typeof task.id !== 'string' || task.status !== 'queued')
      return { failure: `not a queued task: ${text.slice(0, 300)}` };
    return { id: task.id };
  } catch (error) {
    return { failure: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** `count` tasks created by `creators` clients at once, each sending its next as soon as one is answered. */
async function createTasks(serverUrl: string, fixture: TurnFixture, count: number, creators: number) {
  const clients = Array.from({ length: creators }, () => openClient(serverUrl));
  const headers = headersOf(fixture.token);
  const path = tasksPath(fixture.agentId);
  const ids: string[] = [];
  const failures: string[] = [];
  let issued = 0;
  const sentAt = Date.now();
  const started = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (issued < count) {
          const created = await createTask(client, headers, path, issued++);
          if (created.id) ids.push(created.id);
          else failures.push(created.failure ?? 'failed');
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
  return { ids, failures, sentAt, seconds: (performance.now() - started) / 1000 };
}

/** The organization's tasks by status, and the agent's task runs: what a phase is checked against. */
async function taskRecords(api: Api, fixture: TurnFixture) {
  const { token, agentId } = fixture;
  const runs = (status: string) =>
    api
      .read(token, `/api/v1/runs?agent_id=${agentId}&trigger=task&status=${status}&limit=1`)
      .then(({ total }) => total);
  const [stats, completedRuns, unfinishedRuns] = await Promise.all([
    api.read(token, '/api/v1/tasks/stats'),
    runs('completed'),
    Promise.all(UNFINISHED_RUNS.map(runs)),
  ]);
  const byStatus = stats.json.by_status as Record<string, number>;
  return { byStatus, completedRuns, unfinishedRuns: sum(unfinishedRuns) };
}

type TaskRecords = Awaited<ReturnType<typeof taskRecords>>;

/** Every task created in a phase completed, exactly once (one run each), and none is left in another status. */
function checkRecords(label: string, created: number, before: TaskRecords, after: TaskRecords) {
  const completed = (after.byStatus.completed ?? 0) - (before.byStatus.completed ?? 0);
  const runs = after.completedRuns - before.completedRuns;
  const others = NOT_COMPLETED.map((status) => [status, after.byStatus[status] ?? 0] as const).filter(
    ([, tasks]) => tasks > 0,
  );
  const note =
    `${label}: ${created} tasks created; ${completed} more completed (GET /tasks/stats), ${runs} more completed task runs, ` +
    `${others.length === 0 ? 'no task' : others.map(([status, tasks]) => `${tasks} ${status}`).join(', ')} in another status, ` +
    `${after.unfinishedRuns} task runs not completed`;
  const exact =
    completed === created && runs === created && others.length === 0 && after.unfinishedRuns === 0;
  return exact
    ? { note }
    : {
        note,
        problem: `${note}: expected exactly ${created} completed tasks and runs, nothing in another status`,
      };
}

/** Waits until `ended` tasks of the organization have ended (completed, dead or cancelled), reading the stats. */
async function waitUntilEnded(api: Api, token: string, ended: number): Promise<boolean> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const byStatus = (await api.read(token, '/api/v1/tasks/stats')).json.by_status as Record<string, number>;
    const done = (byStatus.completed ?? 0) + (byStatus.dead ?? 0) + (byStatus.cancelled ?? 0);
    if (done >= ended) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, STATS_POLL_MS));
  }
}

interface ListedTask {
  id: string;
  status: string;
  attempt_count: number;
  run_id: string | null;
  completed_at: string | null;
}

/** The agent's tasks, page by page, grouped by id (a task listed twice would show as two copies). */
async function listTasks(api: Api, fixture: TurnFixture) {
  const tasks = new Map<string, ListedTask[]>();
  for (let offset = 0; ; offset += LIST_PAGE) {
    const { json: page } = await api.read(
      fixture.token,
      `${tasksPath(fixture.agentId)}?limit=${LIST_PAGE}&offset=${offset}&sort=created_at&order=asc`,
    );
    for (const task of page as ListedTask[]) tasks.set(task.id, [...(tasks.get(task.id) ?? []), task]);
    if (page.length < LIST_PAGE) return tasks;
  }
}

/** One batch: created, waited for until every task has ended, and checked. */
async function runBatch(api: Api, serverUrl: string, fixture: TurnFixture, label: string, count: number) {
  const before = await taskRecords(api, fixture);
  const endedBefore =
    (before.byStatus.completed ?? 0) + (before.byStatus.dead ?? 0) + (before.byStatus.cancelled ?? 0);
  const batch = await createTasks(serverUrl, fixture, count, TASK_CREATORS);
  const drained = await waitUntilEnded(api, fixture.token, endedBefore + batch.ids.length);
  const problems: string[] = [];
  if (batch.failures.length > 0)
    problems.push(`${label}: ${count} creations, ${failuresText(batch.failures)}`);
  if (!drained) problems.push(`${label}: the tasks had not all ended after ${DRAIN_TIMEOUT_MS / 1000} s`);
  const checked = checkRecords(label, batch.ids.length, before, await taskRecords(api, fixture));
  if (checked.problem) problems.push(checked.problem);
  return { batch, problems, notes: [checked.note] };
}

/**
 * Throughput: THROUGHPUT_WARMUP_TASKS tasks for warm-up, then `count` tasks created with
 * `queue: true` by TASK_CREATORS clients at once; tasks/s from the first creation request sent to
 * the last task's `completed_at`. Each task must be listed once, `completed` after one attempt,
 * with its own run.
 */
export async function measureTaskThroughput(
  api: Api,
  serverUrl: string,
  fixture: TurnFixture,
  count: number,
): Promise<TaskThroughput> {
  const warmup = await runBatch(api, serverUrl, fixture, 'tasks, warm-up', THROUGHPUT_WARMUP_TASKS);
  const measured = await runBatch(api, serverUrl, fixture, 'tasks, measured run', count);
  const problems = [...warmup.problems, ...measured.problems];
  const { ids, sentAt, seconds: creationSeconds } = measured.batch;
  const listed = await listTasks(api, fixture);
  const runIds = new Set<string>();
  let completed = 0;
  let lastCompletedAt = Number.NEGATIVE_INFINITY;
  let wrong = 0;
  for (const id of ids) {
    const copies = listed.get(id) ?? [];
    const task = copies[0];
    const ok =
      copies.length === 1 &&
      task?.status === 'completed' &&
      task.attempt_count === 1 &&
      task.run_id !== null &&
      task.completed_at !== null &&
      !runIds.has(task.run_id);
    if (!ok || !task?.run_id || !task.completed_at) {
      wrong++;
      continue;
    }
    completed++;
    runIds.add(task.run_id);
    lastCompletedAt = Math.max(lastCompletedAt, Date.parse(task.completed_at));
  }
  const note =
    `tasks, measured run: ${ids.length} tasks created in ${creationSeconds.toFixed(2)} s; ` +
    `${completed} listed once, completed after one attempt, each with its own run`;
  if (wrong > 0)
    problems.push(`${note}; ${wrong} missing, listed twice, not completed, retried or sharing a run`);
  // Both clocks are this machine's: the server's task rows and this process's Date.now().
  const seconds = completed > 0 ? (lastCompletedAt - sentAt) / 1000 : Number.NaN;
  return {
    tasks: ids.length,
    completed,
    creationSeconds,
    seconds,
    tasksPerSecond: completed / seconds,
    problems,
    notes: [...warmup.notes, ...measured.notes, note],
  };
}

/**
 * Latency on an idle queue: one task at a time (LATENCY_WARMUP_TASKS first, not measured), each
 * created with `queue: true` and waited for through the live events before the next; its times
 * are then read from `GET /agents/{id}/tasks/{task_id}`.
 */
export async function measureTaskLatency(
  api: Api,
  serverUrl: string,
  fixture: TurnFixture,
  samples: number,
): Promise<TaskLatency> {
  const { token, agentId } = fixture;
  const before = await taskRecords(api, fixture);
  const endings = await followTaskEndings(serverUrl, token);
  const client = openClient(serverUrl);
  const headers = headersOf(token);
  const path = tasksPath(agentId);
  const queuedToStarted: number[] = [];
  const createdToCompleted: number[] = [];
  const observed: number[] = [];
  const failures: string[] = [];
  let created = 0;
  try {
    for (let sequence = 0; sequence < LATENCY_WARMUP_TASKS + samples; sequence++) {
      const sent = performance.now();
      const task = await createTask(client, headers, path, sequence);
      if (!task.id) {
        failures.push(task.failure ?? 'failed');
        continue;
      }
      created++;
      const end = await endings.ended(task.id, TASK_TIMEOUT_MS).catch((error: Error) => error);
      if (end instanceof Error || end.type !== 'task-completed') {
        failures.push(end instanceof Error ? end.message : `task ${task.id} ended with ${end.type}`);
        continue;
      }
      if (sequence < LATENCY_WARMUP_TASKS) continue;
      observed.push(end.at - sent);
      const view = (await api.read(token, `${path}/${task.id}`)).json;
      const at = (field: string) => Date.parse(view[field]);
      queuedToStarted.push(at('started_at') - at('queued_at'));
      createdToCompleted.push(at('completed_at') - at('created_at'));
    }
  } finally {
    await client.close().catch(() => undefined);
    await endings.close();
  }
  const problems: string[] = [];
  if (failures.length > 0) problems.push(`task latency: ${created} tasks created, ${failuresText(failures)}`);
  const checked = checkRecords('task latency', created, before, await taskRecords(api, fixture));
  if (checked.problem) problems.push(checked.problem);
  return {
    samples: observed.length,
    queuedToStarted: spreadOf(queuedToStarted),
    createdToCompleted: spreadOf(createdToCompleted),
    observed: spreadOf(observed),
    problems,
    notes: [checked.note],
  };
}

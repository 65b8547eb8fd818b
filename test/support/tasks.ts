import { expect } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type RunningAgentry, secretKeyFor, startAgentry } from '../../src/server.ts';
import type { TestAccount } from './accounts.ts';
import type { HttpClient } from './http-client.ts';
import { TEST_JWT_SECRET, TEST_SECRET_KEY, type TestApp } from './test-app.ts';

/** Polls an agent's task until its status is one of `statuses`, within `timeoutMs`; returns the task. */
export async function waitForTask(
  http: HttpClient,
  token: string,
  agentId: string,
  taskId: string,
  statuses: string[],
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await http.get(`/api/v1/agents/${agentId}/tasks/${taskId}`, { token });
    if (response.status !== 200) throw new Error(`task: ${response.status} ${JSON.stringify(response.body)}`);
    if (statuses.includes(response.body.status)) return response.body;
    if (Date.now() > deadline)
      throw new Error(
        `task still ${response.body.status} after ${timeoutMs} ms: ${JSON.stringify(response.body)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Queue workers on an API-only test app's database, as a worker process of the split topology
 * would run them: until it starts, whatever the app queues waits.
 */
export function startWorkerFor(app: TestApp, env: Record<string, string> = {}): Promise<RunningAgentry> {
  const config = loadConfig({
    DATA_DIR: app.dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startAgentry({
    config,
    database: app.database,
    jwtSecret: TEST_JWT_SECRET,
    secretKey: secretKeyFor(config),
    role: 'worker',
  });
}

export const as = (account: TestAccount) => ({ token: account.token });
export const tasksPath = (agentId: string) => `/api/v1/agents/${agentId}/tasks`;
export const taskPath = (agentId: string, taskId: string) => `/api/v1/agents/${agentId}/tasks/${taskId}`;
export const idsOf = (items: { id: string }[]) => items.map((item) => item.id);

/** A new agent of the account's organization; returns its id. */
export async function createAgent(http: HttpClient, account: TestAccount, name = 'Worker') {
  const response = await http.post('/api/v1/agents', { name }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** A task created through the API (201); returns its view. */
export async function createTask(
  http: HttpClient,
  account: TestAccount,
  agentId: string,
  body: Record<string, unknown>,
) {
  const response = await http.post(tasksPath(agentId), body, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** The types of a task's events on an event stream, in the order they arrived. */
export const taskEventTypes = (events: { type: string; data: Record<string, unknown> }[], taskId: string) =>
  events
    .filter((event) => event.type.startsWith('task-') && event.data.task_id === taskId)
    .map((event) => event.type);

/** A task from a channel, from its creation to its reply, as the event stream tells it. */
export const CHANNEL_TASK_EVENTS = [
  'task-created',
  'task-queued',
  'task-started',
  'task-completed',
  'task-reply-sent',
];

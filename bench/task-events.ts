import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';

const CONNECT_TIMEOUT_MS = 10_000;
/** Events after which a task never runs again (docs/tasks.md); `task-failed` waits for a retry. */
const ENDING_EVENTS = new Set(['task-completed', 'task-dead', 'task-cancelled']);

/** How a task ended, as its live event said, and when the event arrived here (performance.now()). */
export interface TaskEnd {
  type: string;
  at: number;
}

export interface TaskEndings {
  /** Resolves with the task's ending event, even one that arrived before the call; rejects after `timeoutMs`. */
  ended(taskId: string, timeoutMs: number): Promise<TaskEnd>;
  close(): Promise<void>;
}

/**
 * Follows the organization's live events (`GET /api/v1/events`) and notes when each task ended:
 * the latency benchmark waits on the event rather than polling, which would load the server it
 * measures. Resolves once the server has subscribed the stream (its `: connected` comment).
 */
export async function followTaskEndings(origin: string, token: string): Promise<TaskEndings> {
  // The stream is endless and quiet between events: no body timeout.
  const client = new Client(origin, { bodyTimeout: 0, headersTimeout: CONNECT_TIMEOUT_MS });
  const controller = new AbortController();
  const { statusCode, body } = await client.request({
    method: 'GET',
    path: '/api/v1/events',
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  if (statusCode !== 200) {
    const text = await body.text();
    await client.destroy();
    throw new Error(`GET /api/v1/events answered ${statusCode}: ${text.slice(0, 300)}`);
  }
  const arrived = new Map<string, TaskEnd>();
  const waiters = new Map<string, (end: TaskEnd) => void>();
  let buffered = '';
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => {
    markConnected = resolve;
  });

  const handle = (block: string, at: number) => {
    if (block.startsWith(': connected')) markConnected();
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (!data) return;
    const event = JSON.parse(data.slice('data: '.length)) as { type: string; data: { task_id?: string } };
    const taskId = event.data.task_id;
    if (!taskId || !ENDING_EVENTS.has(event.type)) return;
    const end = { type: event.type, at };
    const waiter = waiters.get(taskId);
    if (waiter) {
      waiters.delete(taskId);
      waiter(end);
    } else {
      arrived.set(taskId, end);
    }
  };
  body.setEncoding('utf8');
  body.on('data', (chunk: string) => {
    const at = performance.now();
    buffered += chunk;
    for (let boundary = buffered.indexOf('\n\n'); boundary >= 0; boundary = buffered.indexOf('\n\n')) {
      handle(buffered.slice(0, boundary), at);
      buffered = buffered.slice(boundary + 2);
    }
  });
  // Closing aborts the request; the error that follows is expected.
  body.on('error', () => undefined);
  const timedOut = sleep(CONNECT_TIMEOUT_MS, 'timeout' as const, { ref: false });
  if ((await Promise.race([connected, timedOut])) === 'timeout') {
    controller.abort();
    await client.destroy().catch(() => undefined);
    throw new Error(`GET /api/v1/events sent no ': connected' within ${CONNECT_TIMEOUT_MS} ms`);
  }

  return {
    ended(taskId, timeoutMs) {
      const known = arrived.get(taskId);
      if (known) {
        arrived.delete(taskId);
        return Promise.resolve(known);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(taskId);
          reject(new Error(`no ending event for task ${taskId} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.set(taskId, (end) => {
          clearTimeout(timer);
          resolve(end);
        });
      });
    },
    async close() {
      controller.abort();
      await client.destroy().catch(() => undefined);
    },
  };
}

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { echoScript } from '../stubs/stub-server.ts';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { expectError } from '../support/assertions.ts';
import type { ExecutionLoad, ExecutionOutcome } from '../support/execution-load-worker.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * One organization cannot slow the others down (issue 7): 200 clients of organization A execute
 * again and again (from a worker thread, so that their own work stays off the event loop under
 * test), each model call taking a second, while organization B reads its agents. A runs as many
 * turns as its tier allows at once (5 on free) and is refused the rest with 429; B's p99 stays
 * within twice its idle p99, both measured in this test, once A's clients are all connected. Both
 * organizations' request rates are raised out of the way: this is the concurrency limit's test.
 */
const KEY = 'sk-fairness-0123456789';
const CONCURRENT_TURNS = 5;
const MODEL_DELAY_MS = 1_000;
const READS = 1_000;
const EXECUTIONS = 200;

let stub: OpenAiStub;
let app: TestApp;
let a: TestAccount;
let b: TestAccount;
let agentOfA: string;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY });
  // Each completion takes a while, so that A's admitted turns overlap B's reads.
  stub.setScript((request) => {
    const reply = echoScript(request);
    return reply.type === 'text' ? { ...reply, chunkDelayMs: MODEL_DELAY_MS } : reply;
  });
  const plenty = 'free=1000000,pro=1000000,enterprise=1000000';
  app = await startTestApp({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_READS_PER_MINUTE: plenty,
    RATE_LIMIT_WRITES_PER_MINUTE: plenty,
    RATE_LIMIT_EXECUTION_PER_MINUTE: plenty,
    CONCURRENT_TURNS_PER_ORGANIZATION: `free=${CONCURRENT_TURNS},pro=20,enterprise=100`,
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  [a, b] = [await registerAccount(app.http, 'A'), await registerAccount(app.http, 'B')];
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    { token: a.token },
  );
  expect(provider.status).toBe(201);
  const agent = await app.http.post(
    '/api/v1/agents',
    {
      name: 'Busy',
      provider_id: provider.body.id,
      model: 'gpt-stub',
      show_suggestions_after_each_message: false,
    },
    { token: a.token },
  );
  expect(agent.status).toBe(201);
  agentOfA = agent.body.id;
  for (let index = 0; index < 5; index++) {
    await app.http.post('/api/v1/agents', { name: `Reader ${index}` }, { token: b.token });
  }
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

/** B reads its agents `times` times in a row; the latencies, in ms. */
async function readLatencies(times = READS): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    const response = await app.http.get('/api/v1/agents', { token: b.token });
    latencies.push(performance.now() - started);
    expect(response.status).toBe(200);
  }
  return latencies;
}

const p99 = (latencies: number[]) => {
  const sorted = [...latencies].sort((x, y) => x - y);
  return sorted[Math.ceil(sorted.length * 0.99) - 1] as number;
};

describe('200 concurrent executions from one organization', () => {
  it('run as many as its tier allows, refuse the rest with 429, lose none, and leave the others’ reads as fast', {
    timeout: 60_000,
  }, async () => {
    // Warm-up of both paths (caches, prepared statements, the provider's model, connections): the
    // comparison is of steady states, not of a process's first turn.
    const first = await app.http.post(
      `/api/v1/agents/${agentOfA}/execute`,
      { message: 'warm-up' },
      { token: a.token },
    );
    expect(first.status).toBe(200);
    await readLatencies(200);
    const idleBefore = p99(await readLatencies());

    // A's 200 clients run in a worker thread: their own work must not weigh on the event loop under test.
    const load = new Worker(new URL('../support/execution-load-worker.ts', import.meta.url), {
      workerData: {
        url: app.url,
        token: a.token,
        agentId: agentOfA,
        clients: EXECUTIONS,
      } satisfies ExecutionLoad,
    });
    const finished = new Promise<ExecutionOutcome[]>((resolve, reject) => {
      load.on('message', (message: { outcomes?: ExecutionOutcome[] }) => {
        if (message.outcomes) resolve(message.outcomes);
      });
      load.once('error', reject);
    });
    // Measured once every client has connected and been answered: the steady state of the load.
    await once(load, 'message');
    const underLoad = p99(await readLatencies());
    load.postMessage('stop');
    const outcomes = await finished;
    await load.terminate();
    // Idle measured on both sides of the load: the machine's own drift during the test (CI shares it)
    // is not counted against the fairness of the limiter.
    const idle = Math.max(idleBefore, p99(await readLatencies()));

    const admitted = outcomes.filter((outcome) => outcome.status === 200);
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    expect(admitted.length + refused.length).toBe(outcomes.length);
    expect(admitted.length).toBeGreaterThanOrEqual(CONCURRENT_TURNS);
    expect(refused.length).toBeGreaterThanOrEqual(EXECUTIONS - CONCURRENT_TURNS);
    expect(refused[0]?.body).toMatchObject({
      error: true,
      code: 'concurrency_limited',
      details: { limit: CONCURRENT_TURNS, tier: 'free' },
    });
    // Nothing of an admitted turn is lost: each is a completed run with its answer stored.
    const runs = await app.http.get(`/api/v1/runs?agent_id=${agentOfA}&status=completed&limit=1`, {
      token: a.token,
    });
    expect(Number(runs.headers.get('x-total-count'))).toBe(admitted.length + 1);
    const sample = admitted[0]?.body as { session_id: string; message_id: string };
    const messages = await app.http.get(`/api/v1/sessions/${sample.session_id}/messages`, { token: a.token });
    expect(messages.body.map((message: { id: string }) => message.id)).toContain(sample.message_id);

    const figures = `B's p99: ${idle.toFixed(2)} ms idle, ${underLoad.toFixed(2)} ms under A's load`;
    console.log(`fairness (${process.env.AGENTRY_TEST_DATABASE}): ${figures}`);
    expect(underLoad, figures).toBeLessThanOrEqual(2 * idle);
  });

  it('answers the refusal in the standard error body with Retry-After, and frees a place when a turn ends', async () => {
    // Slow enough that the test sees all five running at once.
    stub.setScript((request) => {
      const reply = echoScript(request);
      return reply.type === 'text' ? { ...reply, chunkDelayMs: 2_000 } : reply;
    });
    // Only this test's turns: background model calls of the earlier flood's turns (memory
    // extraction, thread summaries) may still reach the stub meanwhile.
    const completions = () =>
      stub.requests.filter(
        (request) => request.path === '/v1/chat/completions' && /"slow \d+"/.test(request.rawBody),
      ).length;
    const before = completions();
    const execute = (account: TestAccount, agentId: string, message: string) =>
      app.http.post(`/api/v1/agents/${agentId}/execute`, { message }, { token: account.token });
    const running = Array.from({ length: CONCURRENT_TURNS }, (_, index) =>
      execute(a, agentOfA, `slow ${index}`),
    );
    await expect.poll(completions).toBe(before + CONCURRENT_TURNS);
    const refused = await execute(a, agentOfA, 'one more');
    expectError(refused, 429, 'concurrency_limited');
    expect(refused.headers.get('retry-after')).toBe('1');
    // The other organization's turns are its own.
    const otherAgent = await app.http.post('/api/v1/agents', { name: 'Offline' }, { token: b.token });
    expect((await execute(b, otherAgent.body.id, 'hi')).status).toBe(200);
    // Turns that end give their places back.
    expect((await Promise.all(running)).map((response) => response.status)).toEqual(
      Array(CONCURRENT_TURNS).fill(200),
    );
    stub.setScript();
    expect((await execute(a, agentOfA, 'after them')).status).toBe(200);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningAgentry } from '../../src/server.ts';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { classifierAssignment, createRun, expectStatus, waitForRun } from '../support/analysis.ts';
import { startWorkerFor } from '../support/tasks.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A run survives its worker (issue 11 point 4): an API-only app and a worker process of the split
 * topology run 500 items; the worker stops mid-run, and another one, started later, goes on with
 * the items still pending. Every item ends with exactly one proposal, and the items the first
 * worker finished are not processed again. The model is a stub on loopback that takes 20 ms an
 * answer, so that the run is still going when the stop takes effect.
 */
const ITEMS = 500;
const API_KEY = 'sk-resume-stub';
const ENV = { OUTBOUND_ALLOWLIST: '127.0.0.1' };
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
const workers: RunningAgentry[] = [];

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['gpt-stub'] });
  stub.setScript(() => ({
    type: 'text',
    text: JSON.stringify({ category: 'bug', confidence: 0.9 }),
    chunkDelayMs: 20,
  }));
  app = await startTestApp(ENV, 'api');
  owner = await registerAccount(app.http, 'Resumer');
});
afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await app.close();
  await stub.close();
});

const as = () => ({ token: owner.token });
const progressOf = async (runId: string) =>
  expectStatus(await app.http.get(`/api/v1/analysis/runs/${runId}`, as()), 200).progress;

async function completedItems(runId: string) {
  const items = expectStatus(
    await app.http.get(`/api/v1/analysis/runs/${runId}/items?status=completed&limit=1000`, as()),
    200,
  );
  return new Map<number, string>(items.map((item: any) => [item.item_index, item.turn_run_id]));
}

/** A run of ITEMS items started on an API-only app with no worker yet; its id and its inputs. */
async function startedRun() {
  const provider = expectStatus(
    await app.http.post(
      '/api/v1/providers',
      {
        name: `Stub ${crypto.randomUUID()}`,
        type: 'openai_compatible',
        base_url: stub.url,
        api_key: API_KEY,
      },
      as(),
    ),
    201,
  );
  const { assignmentId } = await classifierAssignment(app.http, owner, {
    providerId: provider.id,
    agent: { model: 'gpt-stub' },
  });
  const items = Array.from(
    { length: ITEMS },
    (_, index) => `Message ${index}: the app crashes on screen ${index}`,
  );
  const run = await createRun(app.http, owner, {
    assignment_id: assignmentId,
    source: { type: 'inline', items },
    options: { concurrency: 4 },
  });
  expectStatus(await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as()), 202);
  // No worker yet: the run waits on the queue.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await progressOf(run.id)).toMatchObject({ items_done: 0, items_pending: ITEMS });
  return { runId: run.id as string, items, agentId: run.agent_id as string };
}

/**
 * Runs the run on a first worker until 50 items are done, stops that worker with `stop`, checks
 * that nothing moves until a second worker starts, and that the run then completes with every
 * item stored once, the first worker's items untouched.
 */
async function resumedAfter(stop: (worker: RunningAgentry) => Promise<void>) {
  const { runId, items, agentId } = await startedRun();
  const first = await startWorkerFor(app, { ...ENV, SHUTDOWN_GRACE_SECONDS: '5' });
  workers.push(first);
  const deadline = Date.now() + 60_000;
  while ((await progressOf(runId)).items_done < 50) {
    if (Date.now() > deadline) throw new Error('the first worker processed too few items');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop(first);
  const stopped = await progressOf(runId);
  expect(stopped.items_done).toBeGreaterThanOrEqual(50);
  expect(stopped.items_done).toBeLessThan(ITEMS);
  const byFirst = await completedItems(runId);
  expect(byFirst.size).toBe(stopped.items_done);
  // Nobody works on it meanwhile: it is still running, where the first worker left it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await progressOf(runId)).toEqual(stopped);
  expect(expectStatus(await app.http.get(`/api/v1/analysis/runs/${runId}`, as()), 200).status).toBe(
    'running',
  );

  workers.push(await startWorkerFor(app, ENV));
  const done = await waitForRun(app.http, owner, runId, ['completed', 'failed', 'cancelled'], 90_000);
  expect(done).toMatchObject({
    status: 'completed',
    progress: { items_total: ITEMS, items_done: ITEMS, items_failed: 0, items_pending: 0 },
    proposals_total: ITEMS,
  });
  const proposals = expectStatus(
    await app.http.get(`/api/v1/analysis/runs/${runId}/proposals?limit=1000`, as()),
    200,
  );
  const indexes = proposals.map((proposal: { item_index: number }) => proposal.item_index);
  expect(indexes).toEqual(Array.from({ length: ITEMS }, (_, index) => index));
  expect(proposals.map((proposal: { input: string }) => proposal.input)).toEqual(items);
  // What the first worker stored was neither processed nor stored again.
  const byBoth = await completedItems(runId);
  for (const [index, turnRunId] of byFirst) expect(byBoth.get(index)).toBe(turnRunId);
  for (const worker of workers.splice(0)) await worker.stop();
  return { agentId };
}

it('goes on where it stopped after its worker stops gracefully (the run is handed over)', async () => {
  await resumedAfter((worker) => worker.stop());
}, 180_000);

it('goes on where it stopped after its job is cut off mid-turn (delivered again by the queue)', async () => {
  // The queue stops at once: the job's running turns are aborted, their items stay pending.
  const { agentId } = await resumedAfter(async (worker) => {
    await worker.queue.stopWorkers(0);
    await worker.stop();
  });
  // Turns cut off (if any were running at that instant) ended cancelled and their items were
  // turned again; each item has exactly one completed turn.
  const turns = await app.http.get(
    `/api/v1/runs?agent_id=${agentId}&trigger=analysis&status=completed`,
    as(),
  );
  expect(turns.headers.get('x-total-count')).toBe(String(ITEMS));
}, 180_000);

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import {
  classifierAssignment,
  completedRun,
  createRun,
  expectStatus,
  waitForRun,
} from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * What analysis runs make of a model's answers, with a stub speaking OpenAI's protocol on
 * loopback: batches whose outputs are validated one by one, answers that fail the schema after
 * their repair, a model that is briefly unavailable, and a run cancelled while its turn waits.
 */
const API_KEY = 'sk-analysis-stub';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let setup: Awaited<ReturnType<typeof classifierAssignment>>;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['gpt-stub'] });
  // One model call per attempt, at once: the run's own retries are under test.
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1', LLM_RETRY_MAX_ATTEMPTS: '1' });
  owner = await registerAccount(app.http, 'Batch owner');
  const provider = expectStatus(
    await app.http.post(
      '/api/v1/providers',
      { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: API_KEY },
      { token: owner.token },
    ),
    201,
  );
  setup = await classifierAssignment(app.http, owner, {
    providerId: provider.id,
    agent: { model: 'gpt-stub' },
  });
});
beforeEach(() => stub.reset());
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

const as = () => ({ token: owner.token });
const answer = (value: unknown) => ({ type: 'text' as const, text: JSON.stringify(value) });
const itemsOf = async (runId: string) =>
  expectStatus(await app.http.get(`/api/v1/analysis/runs/${runId}/items`, as()), 200);

describe('batches (batch_size 2)', () => {
  it('asks for one output per input and validates each output on its own', async () => {
    stub.enqueue(
      answer({
        outputs: [
          { category: 'bug', confidence: 0.9 },
          { category: 'nonsense', confidence: 2 },
        ],
      }),
      answer({
        outputs: [
          { category: 'feature', confidence: 0.8 },
          { category: 'question', confidence: 0.7 },
        ],
      }),
    );
    const run = await completedRun(app.http, owner, setup.assignmentId, ['crash', 'idea', 'how?', 'why?'], {
      batch_size: 2,
      concurrency: 1,
    });
    expect(run).toMatchObject({
      status: 'completed',
      progress: { items_total: 4, items_done: 3, items_failed: 1 },
      proposals_total: 3,
      item_errors: [
        {
          item_index: 1,
          source_ref: { type: 'inline', index: 1 },
          error: { code: 'schema_validation_failed' },
        },
      ],
    });
    const problems = run.item_errors[0].error.details.problems;
    expect(problems.join(' ')).toMatch(/must be one of/);
    expect(problems.join(' ')).toMatch(/must be <= 1/);
    const items = await itemsOf(run.id);
    expect(
      items.map((item: { output: { category?: string } | null }) => item.output?.category ?? null),
    ).toEqual(['bug', null, 'feature', 'question']);
    // Both items of a batch come from one turn, whose usage they share.
    expect(items[0].turn_run_id).toBe(items[1].turn_run_id);
    expect(items[0].turn_run_id).not.toBe(items[2].turn_run_id);
    const [first] = stub.requests.filter((request) => request.path === '/v1/chat/completions');
    const body = first?.body as { messages: { role: string; content: string }[]; response_format?: any };
    const user = body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    expect(user).toContain('Input 1:\ncrash');
    expect(user).toContain('Input 2:\nidea');
    const system = body.messages.find((message) => message.role === 'system')?.content ?? '';
    expect(system).toContain('"minItems":2,"maxItems":2');
  });

  it('fails every item of a batch whose answer misses the shape even after the repair', async () => {
    stub.enqueue(answer({ outputs: [{ category: 'bug', confidence: 0.9 }] }), answer({ result: 'no' }));
    stub.enqueue(
      answer({
        outputs: [
          { category: 'bug', confidence: 0.9 },
          { category: 'bug', confidence: 0.1 },
        ],
      }),
    );
    const run = await completedRun(app.http, owner, setup.assignmentId, ['a', 'b', 'c', 'd'], {
      batch_size: 2,
      concurrency: 1,
    });
    expect(run.progress).toMatchObject({ items_done: 2, items_failed: 2 });
    const failed = await itemsOf(`${run.id}`);
    expect(failed[0].error).toMatchObject({
      code: 'schema_validation_failed',
      details: { raw_answer: '{"result":"no"}' },
    });
  });

  it('refuses batches for a schema that refers to its own root (400 analysis_batch_unsupported)', async () => {
    const recursive = await classifierAssignment(app.http, owner, {
      providerId: setup.providerId,
      agent: { model: 'gpt-stub' },
      definition: {
        response_schema: {
          type: 'object',
          properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
        },
      },
    });
    const body = {
      assignment_id: recursive.assignmentId,
      source: { type: 'inline', items: ['x'] },
      options: { batch_size: 2 },
    };
    expectError(await app.http.post('/api/v1/analysis/runs', body, as()), 400, 'analysis_batch_unsupported');
    const single = { ...body, options: { batch_size: 1 } };
    expectStatus(await app.http.post('/api/v1/analysis/runs', single, as()), 201);
  });
});

describe('single items', () => {
  it('ends a run whose every item fails the schema as failed (analysis_items_failed)', async () => {
    stub.setScript(() => answer({ category: 'weather', confidence: 5 }));
    const run = await completedRun(app.http, owner, setup.assignmentId, ['one', 'two'], { concurrency: 1 });
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'analysis_items_failed' },
      progress: { items_done: 0, items_failed: 2 },
      proposals_total: 0,
    });
    // Each item: the answer and its one repair.
    expect(stub.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(4);
  });

  it('tries an item again when the model is briefly unavailable', async () => {
    stub.enqueue(
      { type: 'error', status: 503, retryAfterSeconds: 1 },
      answer({ category: 'bug', confidence: 0.5 }),
    );
    const run = await completedRun(app.http, owner, setup.assignmentId, ['it broke'], { concurrency: 1 });
    expect(run.status).toBe('completed');
    const [item] = await itemsOf(run.id);
    expect(item).toMatchObject({
      status: 'completed',
      attempts: 2,
      output: { category: 'bug', confidence: 0.5 },
    });
  });
});

it('cancels a running run: its waiting turn stops and nothing more is stored', async () => {
  const events = await openEventStream(`${app.url}/api/v1/events`, {
    authorization: `Bearer ${owner.token}`,
  });
  stub.setScript(() => ({ type: 'hang' }));
  const run = await createRun(app.http, owner, {
    assignment_id: setup.assignmentId,
    source: { type: 'inline', items: ['first', 'second', 'third'] },
    options: { concurrency: 1 },
  });
  await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as());
  await waitForRun(app.http, owner, run.id, ['running']);
  const deadline = Date.now() + 10_000;
  while (stub.requests.length === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const cancelled = expectStatus(
    await app.http.post(`/api/v1/analysis/runs/${run.id}/cancel`, undefined, as()),
    200,
  );
  expect(cancelled.status).toBe('cancelled');
  while (stub.abortedRequests === 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(stub.abortedRequests).toBe(1);
  stub.setScript(() => answer({ category: 'bug', confidence: 0.5 }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}`, as()), 200);
  expect(after).toMatchObject({ status: 'cancelled', proposals_total: 0, progress: { items_pending: 3 } });
  expect(stub.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(1);
  events.close();
  const types = events.events.filter((event) => event.data.run_id === run.id).map((event) => event.type);
  expect(types).toEqual(['analysis-run-started', 'analysis-run-cancelled']);
  await waitForRun(app.http, owner, run.id, ['cancelled']);
});

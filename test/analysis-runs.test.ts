import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import {
  classifierAssignment,
  classifyMessage,
  completedRun,
  createRun,
  expectStatus,
  supportMessages,
  waitForRun,
} from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Analysis runs through the API (issue 11 point 4): creation with its snapshot and validation,
 * start, progress and totals, the items, the list and its filters, cancellation, re-runs, the
 * refusals of inactive parts and of a changed agent, roles, and the run's live events. Sources
 * other than inline items: analysis-sources.test.ts; batches and model failures:
 * analysis-batches.test.ts.
 */
let app: TestApp;
let owner: TestAccount;
let setup: Awaited<ReturnType<typeof classifierAssignment>>;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Analyst');
  setup = await classifierAssignment(app.http, owner);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });
const inline = (items: unknown[] = supportMessages) => ({ type: 'inline', items });

describe('creating a run', () => {
  it('answers 201 pending with the configuration pinned and the items materialized', async () => {
    const run = await createRun(app.http, owner, { assignment_id: setup.assignmentId, source: inline() });
    expect(run).toMatchObject({
      status: 'pending',
      assignment_id: setup.assignmentId,
      agent_id: setup.agentId,
      task_definition_id: setup.definitionId,
      trigger_type: 'manual',
      source: { type: 'inline' },
      options: { batch_size: 1, concurrency: 4 },
      progress: { items_total: 4, items_done: 0, items_failed: 0, items_pending: 4, percent: 0 },
      proposals_total: 0,
      llm_tokens_used: 0,
      started_at: null,
      completed_at: null,
      rerun_of: null,
    });
    const agent = expectStatus(
      await app.http.get(`/api/v1/agents/${setup.agentId}/configuration`, as()),
      200,
    );
    expect(run.config_snapshot).toMatchObject({
      assignment_id: setup.assignmentId,
      agent: {
        id: setup.agentId,
        version: agent.version,
        checksum: agent.checksum,
        configuration: agent.configuration,
      },
      task_definition: {
        id: setup.definitionId,
        version: 1,
        instructions: classifyMessage.description,
        response_schema: classifyMessage.response_schema,
      },
      model: {
        provider: { id: setup.providerId, type: 'offline' },
        model: 'agentry-offline',
        fallback: null,
      },
      options: { batch_size: 1, concurrency: 4 },
      source: { type: 'inline', items_total: 4 },
    });
    const items = expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}/items`, as()), 200);
    expect(items.map((item: { input: unknown }) => item.input)).toEqual(supportMessages);
    expect(items[2]).toMatchObject({
      item_index: 2,
      source_ref: { type: 'inline', index: 2 },
      status: 'pending',
    });
  });

  it('refuses invalid bodies with 422', async () => {
    const bodies = [
      { source: inline() },
      { assignment_id: setup.assignmentId },
      { assignment_id: setup.assignmentId, source: inline([]) },
      {
        assignment_id: setup.assignmentId,
        source: inline(Array.from({ length: 1_001 }, (_, index) => `m${index}`)),
      },
      { assignment_id: setup.assignmentId, source: inline([42]) },
      { assignment_id: setup.assignmentId, source: inline(['x'.repeat(100 * 1024 + 1)]) },
      { assignment_id: setup.assignmentId, source: inline(), options: { concurrency: 17 } },
      { assignment_id: setup.assignmentId, source: inline(), options: { batch_size: 0 } },
      { assignment_id: setup.assignmentId, source: inline(), options: { model: 'gpt-4' } },
      { assignment_id: setup.assignmentId, source: { type: 'unknown' } },
      {
        assignment_id: setup.assignmentId,
        source: {
          type: 'time_window',
          time_window_start: '2025-10-02T00:00:00Z',
          time_window_end: '2025-10-01T00:00:00Z',
        },
      },
      { assignment_id: setup.assignmentId, time_window_start: '2025-10-01T00:00:00Z' },
      { assignment_id: setup.assignmentId, agent_assignment_id: setup.definitionId, source: inline() },
    ];
    for (const body of bodies)
      expectError(await app.http.post('/api/v1/analysis/runs', body, as()), 422, 'validation_error');
  });

  it('refuses an unknown assignment (404), and inactive assignments, definitions and agents (400)', async () => {
    const unknown = { assignment_id: '01973e10-0000-7000-8000-000000000000', source: inline() };
    expectError(await app.http.post('/api/v1/analysis/runs', unknown, as()), 404, 'not_found');

    const parts = await classifierAssignment(app.http, owner);
    const body = { assignment_id: parts.assignmentId, source: inline() };
    await app.http.patch(`/api/v1/assignments/${parts.assignmentId}`, { is_active: false }, as());
    expectError(await app.http.post('/api/v1/analysis/runs', body, as()), 400, 'assignment_inactive');
    await app.http.patch(`/api/v1/assignments/${parts.assignmentId}`, { is_active: true }, as());
    await app.http.patch(`/api/v1/task-definitions/${parts.definitionId}`, { is_active: false }, as());
    expectError(await app.http.post('/api/v1/analysis/runs', body, as()), 400, 'task_definition_inactive');
    await app.http.patch(`/api/v1/task-definitions/${parts.definitionId}`, { is_active: true }, as());
    await app.http.patch(`/api/v1/agents/${parts.agentId}`, { status: 'inactive' }, as());
    expectError(await app.http.post('/api/v1/analysis/runs', body, as()), 400, 'agent_inactive');
  });
});

describe('running a run', () => {
  it('starts (202), processes every item into a proposal, and reports progress and totals', async () => {
    const events = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const created = await createRun(app.http, owner, { assignment_id: setup.assignmentId, source: inline() });
    const started = expectStatus(
      await app.http.post(`/api/v1/analysis/runs/${created.id}/start`, undefined, as()),
      202,
    );
    expect(['queued', 'running', 'completed']).toContain(started.status);
    const run = await waitForRun(app.http, owner, created.id);
    expect(run).toMatchObject({
      status: 'completed',
      progress: { items_total: 4, items_done: 4, items_failed: 0, items_pending: 0, percent: 100 },
      proposals_total: 4,
      proposals_pending: 4,
      error: null,
      item_errors: [],
    });
    expect(run.llm_tokens_used).toBeGreaterThan(0);
    expect(run.usage.total_tokens).toBe(run.llm_tokens_used);
    expect(run.cost_estimate).toBe(0);
    expect(run.timings.duration_ms).toBeGreaterThanOrEqual(0);
    expect(run.timings.mean_item_latency_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(run.started_at)).toBeLessThanOrEqual(Date.parse(run.completed_at));

    const items = expectStatus(
      await app.http.get(`/api/v1/analysis/runs/${run.id}/items?status=completed`, as()),
      200,
    );
    expect(items).toHaveLength(4);
    for (const item of items) {
      expect(validateAgainstSchema(classifyMessage.response_schema, item.output)).toEqual({ valid: true });
      const turn = expectStatus(await app.http.get(`/api/v1/runs/${item.turn_run_id}`, as()), 200);
      expect(turn).toMatchObject({ trigger: 'analysis', agent_version: run.config_snapshot.agent.version });
      expect(turn.input.metadata).toMatchObject({
        analysis_run_id: run.id,
        item_indexes: [item.item_index],
        task_definition_id: setup.definitionId,
        task_definition_version: 1,
      });
    }
    // The first batches' category follows the message's own words.
    expect(items[0].output.category).toBe('bug');
    expect(items[2].output.category).toBe('question');
    const failed = await app.http.get(`/api/v1/analysis/runs/${run.id}/items?status=failed`, as());
    expect(failed.body).toEqual([]);
    expect(failed.headers.get('x-total-count')).toBe('0');

    await new Promise((resolve) => setTimeout(resolve, 200));
    events.close();
    const ofRun = events.events.filter(
      (event) => event.type.startsWith('analysis-run-') && event.data.run_id === run.id,
    );
    expect(ofRun[0]?.type).toBe('analysis-run-started');
    expect(ofRun.at(-1)).toMatchObject({
      type: 'analysis-run-completed',
      data: { status: 'completed', items_total: 4, items_done: 4, items_failed: 0 },
    });
    expect(ofRun.filter((event) => event.type === 'analysis-run-progress').length).toBeLessThanOrEqual(2);

    expectError(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as()),
      409,
      'analysis_run_not_startable',
    );
    expectError(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/cancel`, undefined, as()),
      409,
      'analysis_run_not_cancellable',
    );
  });

  it('cancels a pending run, which then neither starts nor cancels again', async () => {
    const run = await createRun(app.http, owner, { assignment_id: setup.assignmentId, source: inline() });
    const cancelled = expectStatus(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/cancel`, undefined, as()),
      200,
    );
    expect(cancelled).toMatchObject({ status: 'cancelled', completed_at: expect.any(String) });
    expectError(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as()),
      409,
      'analysis_run_not_startable',
    );
    expectError(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/cancel`, undefined, as()),
      409,
      'analysis_run_not_cancellable',
    );
  });

  it('runs at its snapshot’s agent version after the agent changed, and a re-run reproduces it', async () => {
    const parts = await classifierAssignment(app.http, owner);
    const run = await createRun(app.http, owner, { assignment_id: parts.assignmentId, source: inline() });
    expectStatus(
      await app.http.patch(`/api/v1/agents/${parts.agentId}`, { prompt: 'Version two.' }, as()),
      200,
    );
    await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as());
    const completed = await waitForRun(app.http, owner, run.id);
    expect(completed).toMatchObject({ status: 'completed', proposals_total: supportMessages.length });
    // Every turn ran at version 1, the snapshot's, though the agent is at version 2 now.
    const turns = await app.http.get(`/api/v1/runs?agent_id=${parts.agentId}&trigger=analysis`, as());
    expect(turns.body.length).toBeGreaterThan(0);
    for (const turn of turns.body) expect(turn.agent_version).toBe(1);

    const again = expectStatus(
      await app.http.post(`/api/v1/analysis/runs/${run.id}/rerun`, undefined, as()),
      201,
    );
    expect(again.config_snapshot).toEqual(completed.config_snapshot);
    await app.http.post(`/api/v1/analysis/runs/${again.id}/start`, undefined, as());
    expect(await waitForRun(app.http, owner, again.id)).toMatchObject({ status: 'completed' });
    const outputs = async (id: string) =>
      (await app.http.get(`/api/v1/analysis/runs/${id}/proposals?limit=100`, as())).body
        .map((proposal: { item_index: number; output: unknown }) => [proposal.item_index, proposal.output])
        .sort((a: [number], b: [number]) => a[0] - b[0]);
    expect(await outputs(again.id)).toEqual(await outputs(run.id));
  });

  it('fails a run whose provider was deactivated meanwhile: a refusal of its configuration', async () => {
    const parts = await classifierAssignment(app.http, owner);
    const run = await createRun(app.http, owner, { assignment_id: parts.assignmentId, source: inline() });
    expectStatus(
      await app.http.patch(`/api/v1/providers/${parts.providerId}`, { is_active: false }, as()),
      200,
    );
    await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as());
    const failed = await waitForRun(app.http, owner, run.id);
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'provider_inactive' },
      progress: { items_done: 0, items_failed: 0, items_pending: 4 },
    });
  });

  it('re-runs a run over the same items with the same snapshot', async () => {
    const first = await completedRun(app.http, owner, setup.assignmentId, supportMessages);
    const rerun = expectStatus(
      await app.http.post(`/api/v1/analysis/runs/${first.id}/rerun`, undefined, as()),
      201,
    );
    expect(rerun).toMatchObject({
      status: 'pending',
      rerun_of: first.id,
      config_snapshot: first.config_snapshot,
      progress: { items_total: 4, items_pending: 4 },
    });
    const items = expectStatus(await app.http.get(`/api/v1/analysis/runs/${rerun.id}/items`, as()), 200);
    expect(items.map((item: { input: string }) => item.input)).toEqual(supportMessages);
  });
});

describe('reading runs', () => {
  it('lists runs newest first with filters and X-Total-Count, and 404s an unknown run', async () => {
    const other = await classifierAssignment(app.http, owner);
    const mine = await createRun(app.http, owner, {
      assignment_id: other.assignmentId,
      source: inline(['one']),
    });
    const second = await createRun(app.http, owner, {
      assignment_id: other.assignmentId,
      source: inline(['two']),
    });
    await app.http.post(`/api/v1/analysis/runs/${second.id}/cancel`, undefined, as());
    const listed = await app.http.get(`/api/v1/analysis/runs?assignment_id=${other.assignmentId}`, as());
    expect(listed.body.map((run: { id: string }) => run.id)).toEqual([second.id, mine.id]);
    expect(listed.headers.get('x-total-count')).toBe('2');
    const byAgent = await app.http.get(
      `/api/v1/analysis/runs?agent_id=${other.agentId}&status=pending`,
      as(),
    );
    expect(byAgent.body.map((run: { id: string }) => run.id)).toEqual([mine.id]);
    const page = await app.http.get(
      `/api/v1/analysis/runs?assignment_id=${other.assignmentId}&limit=1&offset=1`,
      as(),
    );
    expect(page.body.map((run: { id: string }) => run.id)).toEqual([mine.id]);
    expect(page.headers.get('x-total-count')).toBe('2');
    expectError(await app.http.get('/api/v1/analysis/runs?status=sleeping', as()), 422, 'validation_error');
    const missing = '01973e10-0000-7000-8000-000000000001';
    for (const path of ['', '/items', '/proposals']) {
      expectError(await app.http.get(`/api/v1/analysis/runs/${missing}${path}`, as()), 404, 'not_found');
    }
    for (const action of ['start', 'cancel', 'rerun']) {
      expectError(
        await app.http.post(`/api/v1/analysis/runs/${missing}/${action}`, undefined, as()),
        404,
        'not_found',
      );
    }
  });

  it('lets a readonly member read runs but not create, start or cancel them', async () => {
    const reader = await addMember(app.http, owner, 'readonly');
    const run = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: inline(['read me']),
    });
    expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}`, { token: reader.token }), 200);
    const body = { assignment_id: setup.assignmentId, source: inline() };
    expectError(
      await app.http.post('/api/v1/analysis/runs', body, { token: reader.token }),
      403,
      'authorization_error',
    );
    for (const action of ['start', 'cancel', 'rerun']) {
      const response = await app.http.post(`/api/v1/analysis/runs/${run.id}/${action}`, undefined, {
        token: reader.token,
      });
      expectError(response, 403, 'authorization_error');
    }
    const user = await addMember(app.http, owner, 'agent_user');
    const own = await createRun(app.http, user, {
      assignment_id: setup.assignmentId,
      source: inline(['mine']),
    });
    expect(own.created_by_user_id).toBe(user.userId);
  });
});

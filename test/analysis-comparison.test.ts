import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import {
  classifierAssignment,
  completedRun,
  createRun,
  expectStatus,
  supportMessages,
  waitForRun,
} from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * A/B comparison of analysis runs (issue 11 point 6) with the offline model: the same assignment
 * at agent versions 1 and 2, run over the same items, compared item by item and field by field;
 * a re-run of a run's snapshot gives the very same outputs.
 */
let app: TestApp;
let owner: TestAccount;
let setup: Awaited<ReturnType<typeof classifierAssignment>>;
let versionOne: any;
let versionTwo: any;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Comparer');
  setup = await classifierAssignment(app.http, owner, {
    agent: { prompt: 'You classify support messages.' },
  });
  versionOne = await completedRun(app.http, owner, setup.assignmentId, supportMessages);
  // Version 2 of the agent: instructions the offline model quotes from when it explains its choice.
  expectStatus(
    await app.http.patch(
      `/api/v1/agents/${setup.agentId}`,
      { prompt: 'A crash is a bug. A request for a dark mode is a feature. Password resets are questions.' },
      as(),
    ),
    200,
  );
  versionTwo = await completedRun(app.http, owner, setup.assignmentId, supportMessages);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });
const compare = (body: Record<string, unknown>) => app.http.post('/api/v1/analysis/comparisons', body, as());

describe('two versions of the agent', () => {
  it('are pinned in their runs’ snapshots', () => {
    expect(versionOne.config_snapshot.agent.version).toBe(1);
    expect(versionTwo.config_snapshot.agent.version).toBe(2);
    expect(versionTwo.config_snapshot.agent.configuration.prompt).toContain('A crash is a bug');
  });

  it('are compared item by item and field by field, with tokens, cost and latency per side', async () => {
    const comparison = expectStatus(await compare({ run_a: versionOne.id, run_b: versionTwo.id }), 200);
    expect(comparison.run_a).toMatchObject({
      run_id: versionOne.id,
      agent_id: setup.agentId,
      agent_version: 1,
      task_definition_version: 1,
      model: 'agentry-offline',
      provider: { type: 'offline' },
      items_done: 4,
      items_failed: 0,
      llm_tokens_used: versionOne.llm_tokens_used,
      cost_estimate: 0,
    });
    expect(comparison.run_b).toMatchObject({
      run_id: versionTwo.id,
      agent_version: 2,
      llm_tokens_used: versionTwo.llm_tokens_used,
    });
    for (const side of [comparison.run_a, comparison.run_b]) {
      expect(side.mean_item_latency_ms).toBeGreaterThanOrEqual(0);
      expect(side.duration_ms).toBeGreaterThanOrEqual(0);
      expect(side.usage.total_tokens).toBe(side.llm_tokens_used);
    }
    // Version 2's longer instructions cost more input tokens for the same items.
    expect(comparison.run_b.usage.input_tokens).toBeGreaterThan(comparison.run_a.usage.input_tokens);
    expect(comparison.items_total).toBe(4);
    expect(comparison.items_compared).toBe(4);

    const items = comparison.items;
    const outputsA = expectStatus(
      await app.http.get(`/api/v1/analysis/runs/${versionOne.id}/items`, as()),
      200,
    );
    const outputsB = expectStatus(
      await app.http.get(`/api/v1/analysis/runs/${versionTwo.id}/items`, as()),
      200,
    );
    expect(items.map((item: any) => [item.input, item.output_a, item.output_b])).toEqual(
      supportMessages.map((message, index) => [message, outputsA[index].output, outputsB[index].output]),
    );
    // Totals follow the per-item, per-field agreement.
    for (const field of ['category', 'confidence', 'reasoning']) {
      const agreeing = items.filter((item: any) => item.fields[field]).length;
      expect(comparison.agreement.fields[field]).toEqual({ agreeing, compared: 4, rate: agreeing / 4 });
    }
    const agreeing = items.filter((item: any) => item.agree).length;
    expect(comparison.agreement.overall).toEqual({ agreeing, compared: 4, rate: agreeing / 4 });
    for (const item of items) {
      expect(item.agree).toBe(Object.values(item.fields).every(Boolean));
      expect(item.fields.category).toBe(item.output_a.category === item.output_b.category);
    }
    // The categories follow the messages' words; the explanations quote each version's instructions.
    expect(comparison.agreement.fields.category.rate).toBe(1);
    expect(comparison.agreement.fields.reasoning.rate).toBeLessThan(1);

    const page = expectStatus(
      await compare({ run_a: versionOne.id, run_b: versionTwo.id, limit: 1, offset: 2 }),
      200,
    );
    expect(page.items.map((item: any) => item.item_index)).toEqual([2]);
    expect(page.agreement).toEqual(comparison.agreement);
  });
});

describe('a re-run of a snapshot', () => {
  it('gives the same outputs with the offline model', async () => {
    const again = await completedRun(app.http, owner, setup.assignmentId, supportMessages);
    const rerun = expectStatus(
      await app.http.post(`/api/v1/analysis/runs/${again.id}/rerun`, undefined, as()),
      201,
    );
    await app.http.post(`/api/v1/analysis/runs/${rerun.id}/start`, undefined, as());
    await waitForRun(app.http, owner, rerun.id, ['completed']);
    const comparison = expectStatus(await compare({ run_a: again.id, run_b: rerun.id }), 200);
    expect(comparison.agreement.overall).toEqual({ agreeing: 4, compared: 4, rate: 1 });
    expect(comparison.items.every((item: any) => item.agree)).toBe(true);
    expect(comparison.run_b).toMatchObject({ agent_version: 2, task_definition_version: 1 });
  });
});

describe('refusals', () => {
  it('answers 409 for runs that are not completed or not over the same items, 404 for unknown runs', async () => {
    const pending = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: { type: 'inline', items: supportMessages },
    });
    expectError(
      await compare({ run_a: versionOne.id, run_b: pending.id }),
      409,
      'analysis_run_not_completed',
    );
    const shorter = await completedRun(app.http, owner, setup.assignmentId, supportMessages.slice(1));
    const fewer = await compare({ run_a: versionOne.id, run_b: shorter.id });
    expectError(fewer, 409, 'analysis_runs_not_comparable');
    expect(fewer.body.details).toEqual({ items_a: 4, items_b: 3 });
    const other = await completedRun(app.http, owner, setup.assignmentId, [
      ...supportMessages.slice(0, 3),
      'Different',
    ]);
    const differing = await compare({ run_a: versionOne.id, run_b: other.id });
    expectError(differing, 409, 'analysis_runs_not_comparable');
    expect(differing.body.details).toEqual({ item_index: 3 });
    expectError(
      await compare({ run_a: versionOne.id, run_b: '01973f28-0000-7000-8000-000000000000' }),
      404,
      'not_found',
    );
    expectError(await compare({ run_a: versionOne.id }), 422, 'validation_error');
  });
});

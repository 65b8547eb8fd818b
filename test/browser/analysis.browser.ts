import { describe, expect, it } from 'vitest';
import {
  openConsoleAsNewAccount,
  POLL,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

/**
 * Analysis runs in the console against a real server whose offline model answers with
 * schema-valid objects: a run is created and started from the console, followed to completion,
 * its proposals reviewed, re-run and compared with its re-run; a pending run is cancelled.
 */
const harness = setUpConsoleHarness();

const MESSAGES = [
  'The app crashes when I log in on iOS',
  'Please add a dark mode feature to the dashboard',
  'How do I reset my password? A question',
];

describe('analysis runs in the console', () => {
  it('starts a run, follows it to completion, reviews its proposals, re-runs and compares it', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Ana Lyst',
      email: uniqueEmail('analyst'),
      organization: 'Classifiers',
    });
    const agent = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Message Classifier', system_prompt: 'You are a message classifier.' },
      status: 201,
    });
    const definition = await call('/api/v1/task-definitions', {
      method: 'POST',
      body: {
        name: 'Classify Message',
        description: 'Categorize incoming messages',
        response_schema: {
          type: 'object',
          properties: {
            category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
          },
          required: ['category', 'confidence'],
        },
      },
      status: 201,
    });
    const assignment = await call(`/api/v1/agents/${agent.id}/assignments`, {
      method: 'POST',
      body: { task_definition_id: definition.id },
      status: 201,
    });

    await page.goto('/#/analysis');
    await page.getByRole('heading', { name: 'Analysis', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New run' }).click();
    const form = page.getByRole('form', { name: 'New analysis run' });
    await form.getByLabel('Assignment').selectOption(assignment.id);
    // No item: the API refuses, and the console says why.
    await form.getByRole('button', { name: 'Create run' }).click();
    await expect.poll(() => form.getByRole('alert').first().textContent()).toMatch(/correlation id/);

    await form.getByLabel('Items, one a line').fill(MESSAGES.join('\n'));
    await form.getByLabel('Concurrency').fill('1');
    await form.getByRole('button', { name: 'Create run' }).click();
    await page.waitForURL(/#\/analysis\/runs\//);
    const runId = page.url().split('/').at(-1) as string;

    // Followed live to completion: progress, tokens, then every item's proposal.
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('completed');
    await expect.poll(() => page.getByTestId('run-progress').textContent()).toBe('3/3 done');
    const run = await call(`/api/v1/analysis/runs/${runId}`);
    expect(run).toMatchObject({ status: 'completed', progress: { items_done: 3 } });
    await expect.poll(() => page.getByTestId('run-tokens').textContent()).toBe(String(run.llm_tokens_used));
    const proposals = page.getByRole('table', { name: 'Proposals' }).locator('tbody tr');
    await expect.poll(() => proposals.count()).toBe(3);
    expect(await proposals.first().textContent()).toContain(MESSAGES[0]);
    expect(await page.getByRole('table', { name: 'Items' }).locator('tbody tr').count()).toBe(3);

    await page.getByRole('button', { name: 'Approve item 0' }).click();
    await expect.poll(() => proposals.first().locator('.badge').textContent()).toBe('approved');
    await page.getByRole('button', { name: 'Reject item 1' }).click();
    await expect.poll(() => proposals.nth(1).locator('.badge').textContent()).toBe('rejected');
    const reviewed = await call(`/api/v1/analysis/runs/${runId}/proposals`);
    expect(reviewed.map((proposal: { status: string }) => proposal.status)).toEqual([
      'approved',
      'rejected',
      'pending',
    ]);
    await screenshot(page, 'analysis-run');

    // A re-run over the same items, started from its page, is compared with the first run.
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.waitForURL((url) => !url.hash.endsWith(runId));
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('completed');
    const rerunId = page.url().split('/').at(-1) as string;
    await page.getByRole('link', { name: '← Analysis runs' }).click();
    await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(2);
    expect(await page.locator(`tr[data-run-id="${rerunId}"]`).textContent()).toContain('3/3 done');

    await page.getByRole('tab', { name: 'Comparisons' }).click();
    const compare = page.getByRole('form', { name: 'Compare two runs' });
    await compare.getByLabel('Run A').selectOption(runId);
    await compare.getByLabel('Run B').selectOption(rerunId);
    await compare.getByRole('button', { name: 'Compare' }).click();
    // The offline model answers a re-run alike: every item agrees.
    await expect
      .poll(() => page.getByRole('heading', { name: /Agreement/ }).textContent())
      .toMatch(/Agreement 100% \(3 of 3 items\)/);

    await page.getByRole('tab', { name: 'Task definitions' }).click();
    await page.getByRole('heading', { name: /Classify Message/ }).waitFor();
    await page.getByRole('button', { name: 'Versions' }).click();
    await expect.poll(() => page.locator('.definition-list tbody tr').count()).toBe(1);

    // A run created but not started is cancelled from its page.
    const pending = await call('/api/v1/analysis/runs', {
      method: 'POST',
      body: { assignment_id: assignment.id, source: { type: 'inline', items: MESSAGES } },
      status: 201,
    });
    await page.goto(`/#/analysis/runs/${pending.id}`);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('pending');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('cancelled');
    expect((await call(`/api/v1/analysis/runs/${pending.id}`)).status).toBe('cancelled');

    expect(problems).toEqual([]);
    await context.close();
  });
});

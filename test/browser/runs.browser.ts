import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import {
  openConsoleAsNewAccount,
  PHONE,
  POLL,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

/**
 * Runs, usage and budgets against a real server. The offline model costs nothing, so the priced
 * agent answers through an OpenAI-compatible stub on loopback with a price for its model.
 */
const STUB_KEY = 'sk-runs-browser-stub-0123456789';
let stub: OpenAiStub;
beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: STUB_KEY, models: ['gpt-stub'] });
});
afterAll(() => stub?.close());
const harness = setUpConsoleHarness({
  OUTBOUND_ALLOWLIST: '127.0.0.1',
  MODEL_PRICES: JSON.stringify({ 'gpt-stub': { input: 1_000, output: 2_000 } }),
});

interface Figures {
  runs: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

const numberIn = (text: string | null) => Number((text ?? '').replace(/[$,\s]/g, ''));

describe('runs, usage and budgets', () => {
  it('lists and filters runs, shows a run’s timeline and cost, charts usage by day and agent, and creates a budget', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Runa Runner',
      email: uniqueEmail('runs'),
      organization: 'Run Works',
    });

    // Before any provider exists, an agent answers with the built-in offline model, which costs 0.
    const offline = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Offline Scribe', show_suggestions_after_each_message: false },
      status: 201,
    });
    const offlineTurn = await call(`/api/v1/agents/${offline.id}/execute`, {
      method: 'POST',
      body: { message: 'Hello' },
    });
    const offlineRun = await call(`/api/v1/runs/${offlineTurn.run_id}`);
    expect(offlineRun).toMatchObject({ model: 'agentry-offline', cost_estimate: 0 });

    const provider = await call('/api/v1/providers', {
      method: 'POST',
      body: { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: STUB_KEY },
      status: 201,
    });
    await expect
      .poll(async () => (await call(`/api/v1/providers/${provider.id}`)).validation_status, POLL)
      .toBe('connected');
    const priced = await call('/api/v1/agents', {
      method: 'POST',
      body: {
        name: 'Refund Helper',
        provider_id: provider.id,
        model: 'gpt-stub',
        tools: ['current_time'],
        show_suggestions_after_each_message: false,
      },
      status: 201,
    });
    // The first turn calls a tool, so its timeline has a model call, the tool call, and the answer.
    stub.enqueue(
      {
        type: 'tool-calls',
        toolCalls: [{ id: 'call_1', name: 'current_time', arguments: { timezone: 'UTC' } }],
      },
      { type: 'text', text: 'It is noon in UTC.' },
    );
    const turns = [];
    for (const message of ['What time is it?', 'How long do refunds take?', 'Thanks!']) {
      turns.push(await call(`/api/v1/agents/${priced.id}/execute`, { method: 'POST', body: { message } }));
    }
    const toolRun = await call(`/api/v1/runs/${turns[0].run_id}`);
    expect(toolRun.cost_estimate).toBeGreaterThan(0);
    expect(toolRun.actions.map((action: { action_type: string }) => action.action_type)).toEqual([
      'llm_call',
      'tool_call',
      'llm_call',
      'chat_response',
    ]);

    // The runs list: every run, then the priced agent's only, with the filter kept in the URL.
    await page.getByRole('link', { name: 'Runs' }).click();
    const rows = page.getByRole('table', { name: 'Runs' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel('Agent').selectOption({ label: 'Refund Helper' });
    await expect.poll(() => page.url()).toContain(`agent_id=${priced.id}`);
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.locator('td:first-child').allTextContents()).toEqual([
      'Refund Helper',
      'Refund Helper',
      'Refund Helper',
    ]);
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(() => page.getByText('No runs match these filters.').isVisible()).toBe(true);
    await page.getByLabel('Status').selectOption('');
    await expect.poll(() => rows.count()).toBe(3);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(3);
    expect(await page.getByLabel('Agent').inputValue()).toBe(priced.id);
    await screenshot(page, 'runs');

    // A run: its summary and its steps as a timeline.
    await page.locator(`a[href="#/runs/${toolRun.id}"]`).click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');
    const tokens = await page.getByTestId('run-tokens').textContent();
    expect(tokens).toContain(
      `${toolRun.usage.input_tokens.toLocaleString('en-US')} / ${toolRun.usage.output_tokens.toLocaleString('en-US')}`,
    );
    expect(numberIn(await page.getByTestId('run-cost').textContent())).toBeCloseTo(toolRun.cost_estimate, 4);
    const steps = page.getByRole('list', { name: 'Steps' }).locator('li.run-step');
    expect(await steps.count()).toBe(4);
    expect(await steps.locator('.run-step-kind').allTextContents()).toEqual([
      'LLM call',
      'Tool call',
      'LLM call',
      'Chat response',
    ]);
    expect(await steps.nth(1).textContent()).toContain('tool current_time');
    await steps.nth(1).getByText('Details').click();
    expect(await steps.nth(1).locator('pre').first().textContent()).toContain('"timezone": "UTC"');
    expect(await page.getByRole('link', { name: 'Refund Helper' }).getAttribute('href')).toBe(
      `#/agents/${priced.id}`,
    );
    await screenshot(page, 'run-timeline');

    // Usage: today's bar has the priced agent's part, with the API's figures.
    const today = new Date().toISOString().slice(0, 10);
    const byAgent = await call(`/api/v1/usage?group_by=agent&from=${today}&to=${today}`);
    const pricedToday = byAgent.groups.find((group: { key: string }) => group.key === priced.id) as Figures;
    expect(pricedToday.runs).toBe(3);
    expect(pricedToday.cost_usd).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Usage' }).click();
    const chart = page.getByRole('img', { name: /Runs per day and agent, last 7 days/ });
    await chart.waitFor();
    expect(await chart.locator(`g[data-category="${today}"] rect[data-series="${priced.id}"]`).count()).toBe(
      1,
    );
    expect(await chart.locator(`g[data-category="${today}"] rect[data-series="${offline.id}"]`).count()).toBe(
      1,
    );
    const week = await call(
      `/api/v1/usage?group_by=agent&from=${new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10)}`,
    );
    expect(numberIn(await page.getByTestId('total-runs').textContent())).toBe(week.totals.runs);
    expect(numberIn(await page.getByTestId('total-tokens').textContent())).toBe(week.totals.total_tokens);
    expect(numberIn(await page.getByTestId('total-cost').textContent())).toBeCloseTo(week.totals.cost_usd, 4);

    await page.getByRole('button', { name: 'Show the data table' }).click();
    const table = page.getByRole('table', { name: /per day and agent/ });
    const header = await table.locator('thead th').allTextContents();
    const pricedColumn = header.indexOf('Refund Helper');
    expect(pricedColumn).toBeGreaterThan(0);
    // The table's last row is today: its cell for the agent is the API's figure, per metric.
    const todayCell = () =>
      table.locator('tbody tr').last().locator('th, td').nth(pricedColumn).textContent();
    expect(numberIn(await todayCell())).toBe(pricedToday.runs);
    await page.getByRole('button', { name: 'Tokens' }).click();
    await page.getByRole('img', { name: /Tokens per day and agent/ }).waitFor();
    expect(numberIn(await todayCell())).toBe(pricedToday.total_tokens);
    await page.getByRole('button', { name: 'Cost' }).click();
    await page.getByRole('img', { name: /Cost per day and agent/ }).waitFor();
    expect(numberIn(await todayCell())).toBeCloseTo(pricedToday.cost_usd, 4);
    await page.getByRole('button', { name: 'Hide the data table' }).click();
    await page.getByRole('button', { name: 'Tokens' }).click();
    await page.getByRole('img', { name: /Tokens per day and agent/ }).waitFor();
    await screenshot(page, 'usage-chart');

    // Budgets: an invalid cap is refused on its field, then a daily budget of the agent is created.
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.getByRole('button', { name: 'New budget' }).click();
    const form = page.getByRole('form', { name: 'New budget' });
    await form.getByLabel('Applies to').selectOption({ label: 'Agent: Refund Helper' });
    await form.getByLabel('Period').selectOption('day');
    await form.getByLabel('Token limit').fill('-5');
    await form.getByRole('button', { name: 'Create the budget' }).click();
    const tokenField = form.locator('.field', { has: page.getByLabel('Token limit') });
    await expect.poll(() => tokenField.locator('.field-error').textContent()).toBeTruthy();
    expect(await form.getByLabel('Token limit').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Token limit').fill('100000');
    await form.getByLabel('Cost limit (USD)').fill('5');
    await form.getByRole('button', { name: 'Create the budget' }).click();
    await form.waitFor({ state: 'detached' });
    const [budget] = await call('/api/v1/budgets');
    expect(budget).toMatchObject({
      agent_id: priced.id,
      period: 'day',
      token_limit: 100_000,
      cost_limit_usd: 5,
    });
    // A budget created mid-period starts from what its scope already spent today.
    expect(budget.spent.runs).toBe(3);
    const row = page.locator(`tr[data-budget="${budget.id}"]`);
    await expect.poll(() => row.textContent()).toContain('Refund Helper');
    expect(await row.textContent()).toContain('100,000 tokens');
    expect(await row.textContent()).toContain(`${budget.spent.tokens.toLocaleString('en-US')} tokens`);
    await screenshot(page, 'budgets');

    // Edited, then deleted after a confirmation.
    await row.getByRole('button', { name: 'Edit' }).click();
    const editForm = page.getByRole('form', { name: 'Edit the budget' });
    expect(await editForm.getByLabel('Token limit').inputValue()).toBe('100000');
    await editForm.getByLabel('Token limit').fill('200000');
    await editForm.getByRole('button', { name: 'Save the budget' }).click();
    await editForm.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent()).toContain('200,000 tokens');
    expect((await call(`/api/v1/budgets/${budget.id}`)).token_limit).toBe(200_000);
    await row.getByRole('button', { name: 'Delete…' }).click();
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    expect(await call('/api/v1/budgets')).toEqual([]);

    // Usable on a phone: the runs table scrolls inside its frame rather than the page.
    await page.setViewportSize(PHONE);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Runs' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
  });
});

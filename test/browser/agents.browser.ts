import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  apiAs,
  apiWith,
  openConsoleAsNewAccount,
  PASSWORD,
  PHONE,
  POLL,
  registerInConsole,
  screenshot,
  setUpConsoleHarness,
  signInToConsole,
  uniqueEmail,
} from './console-harness.ts';

// A thousand agents are created through the API: the per-minute rate limit would refuse most.
const harness = setUpConsoleHarness({ RATE_LIMIT_ENABLED: 'false' });

const rowNames = (page: Page) => page.locator('.agent-list .agent-row strong').allTextContents();

/**
 * Runs in the page: how long (performance.now) until `condition` holds, checked every frame.
 * A string, so that nothing the test's compiler adds to a function reaches the browser.
 */
const timeInPage = (page: Page, action: string, condition: string) =>
  page.evaluate(`(async () => {
    const start = performance.now();
    ${action};
    while (!(${condition})) await new Promise((resolve) => requestAnimationFrame(resolve));
    return performance.now() - start;
  })()`) as Promise<number>;

describe('the agents pages', () => {
  it('create (with a refused value shown on its field), edit to a new version, and search the list', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Ada Lovelace',
      email: uniqueEmail('ada'),
      organization: 'Analytical Engines',
    });
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await page.getByText('No agents match').waitFor();

    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Support Sam');
    await page.getByLabel('Description', { exact: true }).fill('Answers billing questions');
    await page.getByLabel('Temperature').fill('5');
    await page.getByRole('button', { name: 'Create agent' }).click();
    // The API's 422 names `temperature`: its message sits under that field.
    const temperatureField = page.locator('.field').filter({ has: page.getByLabel('Temperature') });
    await expect.poll(() => temperatureField.locator('.field-error').textContent(), POLL).toMatch(/2/);
    expect(await page.getByLabel('Temperature').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('correlation-id').first().textContent()).toMatch(/\S+/);
    await page.getByLabel('Temperature').scrollIntoViewIfNeeded();
    await screenshot(page, 'agent-form');

    await page.getByLabel('Temperature').fill('0.4');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: 'Support Sam' }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    expect(await page.getByTestId('agent-version').textContent()).toBe('1');
    expect(await call(`/api/v1/agents/${id}`)).toMatchObject({ temperature: 0.4, version: 1 });

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    await page.getByLabel('Empathy').fill('85');
    await page.getByLabel('Description', { exact: true }).fill('Answers billing and refund questions');
    await page.getByLabel('Change reason').fill('Refunds too');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('agent-version').filter({ hasText: '2' }).waitFor();
    await page.getByText('Answers billing and refund questions').waitFor();
    expect(await call(`/api/v1/agents/${id}`)).toMatchObject({
      version: 2,
      description: 'Answers billing and refund questions',
      traits: { empathy: 85 },
    });
    await screenshot(page, 'agent-detail');

    // The list asks the API with the filters: search in name and description, and status.
    await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Refund Rita', description: 'Refunds only', status: 'inactive' },
      status: 201,
    });
    await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Tech Tom', description: 'Fixes printers' },
      status: 201,
    });
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await expect
      .poll(() => rowNames(page))
      .toEqual(expect.arrayContaining(['Support Sam', 'Refund Rita', 'Tech Tom']));
    await page.getByLabel('Search').fill('refund');
    await expect
      .poll(async () => (await rowNames(page)).sort(), POLL)
      .toEqual(['Refund Rita', 'Support Sam']);
    expect(page.url()).toContain('search=refund');
    await page.getByLabel('Status').selectOption('inactive');
    await expect.poll(() => rowNames(page), POLL).toEqual(['Refund Rita']);
    await page.getByRole('link', { name: /Refund Rita/ }).click();
    await page.getByRole('heading', { name: 'Refund Rita' }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('deletes an agent after asking', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Del Eter',
      email: uniqueEmail('del'),
    });
    const agent = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Short-lived Sue' },
      status: 201,
    });
    await page.goto(`/#/agents/${agent.id}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Keep it' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('No agents match').waitFor();
    await call(`/api/v1/agents/${agent.id}`, { status: 404 });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the API’s refusal, with its correlation id, for another organization’s agent', async () => {
    const otherEmail = uniqueEmail('eve');
    await apiWith(harness)('/api/v1/auth/register', {
      method: 'POST',
      body: { email: otherEmail, password: PASSWORD, full_name: 'Eve Other', organization_name: 'Other Org' },
      status: 201,
    });
    const secret = await (await apiAs(harness, otherEmail))('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Eve Secret Agent', description: 'Not for other organizations' },
      status: 201,
    });

    const { page, context } = await harness.openConsole();
    await registerInConsole(page, { fullName: 'Bob First', email: uniqueEmail('bob') });
    await page.goto(`/#/agents/${secret.id}`);
    const alert = page.getByRole('alert').first();
    await expect.poll(() => alert.textContent(), POLL).toMatch(/correlation id/);
    expect(await page.getByTestId('correlation-id').textContent()).toMatch(/\S+/);
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).not.toContain('Eve Secret Agent');
    expect(body).not.toContain('Not for other organizations');
    await page.goto(`/#/agents/${secret.id}/edit`);
    await expect.poll(() => page.getByRole('alert').first().textContent(), POLL).toMatch(/correlation id/);
    expect(await page.getByLabel('Name').count()).toBe(0);
    await context.close();
  });

  it('keeps a list of 1,000 agents responsive: virtual rows, pages from the API, search', async () => {
    const email = uniqueEmail('fleet');
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Fleet Owner',
      email,
      organization: 'Big Fleet',
    });
    const numbers = Array.from({ length: 1000 }, (_, index) => String(index + 1).padStart(4, '0'));
    const create = createWithRetry(call.token);
    for (let start = 0; start < numbers.length; start += 20) {
      await Promise.all(
        numbers.slice(start, start + 20).map((number) =>
          create({
            name: `Fleet agent ${number}`,
            description: `Handles queue ${number}`,
            tags: [Number(number) % 2 === 0 ? 'even' : 'odd'],
          }),
        ),
      );
    }

    await page.goto('/#/agents/new');
    await page.getByRole('button', { name: 'Create agent' }).waitFor();
    const firstRowsMs = await timeInPage(
      page,
      "location.hash = '#/agents'",
      "document.querySelector('.agent-list a.agent-row')",
    );
    await expect
      .poll(() => page.getByTestId('agent-count').textContent(), POLL)
      .toBe('200 of 1000 agents shown');
    await screenshot(page, 'agents-list');

    // Scrolling to the end asks for the remaining pages, one as each end comes into view.
    const scrollMs = await timeInPage(
      page,
      '',
      `(() => {
        const list = document.querySelector('.agent-list');
        list.scrollTop = list.scrollHeight;
        const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
        return atEnd && document.querySelector('[data-testid=agent-count]').textContent === '1000 of 1000 agents shown';
      })()`,
    );
    const domRows = await page.locator('.agent-list .virtual-list-row').count();
    expect(domRows).toBeGreaterThan(0);
    expect(domRows).toBeLessThan(100);

    const searchMs = await timeInPage(
      page,
      `(() => {
        const input = document.querySelector('input[name=search]');
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, 'agent 0777');
        input.dispatchEvent(new Event('input', { bubbles: true }));
      })()`,
      "document.querySelector('[data-testid=agent-count]').textContent === '1 of 1 agents shown' && document.querySelectorAll('.agent-list .agent-row').length === 1",
    );
    expect(await rowNames(page)).toEqual(['Fleet agent 0777']);
    console.log(
      `agents list of 1000: first rows in ${firstRowsMs.toFixed(0)} ms, scrolled to the end (all 5 pages) in ${scrollMs.toFixed(0)} ms, search in ${searchMs.toFixed(0)} ms (200 ms of it the typing pause), DOM rows ${domRows}`,
    );

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Tag').fill('even');
    await expect
      .poll(() => page.getByTestId('agent-count').textContent(), POLL)
      .toBe('200 of 500 agents shown');
    expect(problems).toEqual([]);
    await context.close();

    const phone = await harness.openConsole({ viewport: PHONE });
    await signInToConsole(phone.page, email);
    await phone.page.getByTestId('agent-count').filter({ hasText: 'of 1000' }).waitFor();
    await screenshot(phone.page, 'agents-list-phone');
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  }, 240_000);
});

/** Creates agents in bulk, waiting out the server's load shedding (503/429 with Retry-After). */
function createWithRetry(token: string) {
  return async (body: object) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await fetch(`${harness.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (answer.status === 201) return;
      const busy = answer.status === 503 || answer.status === 429;
      expect(busy && attempt < 10, `POST /api/v1/agents: ${answer.status}`).toBe(true);
      await new Promise((resolve) =>
        setTimeout(resolve, Number(answer.headers.get('retry-after') ?? 1) * 1000),
      );
    }
  };
}

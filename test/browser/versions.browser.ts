import { describe, expect, it } from 'vitest';
import {
  type ApiCaller,
  openConsoleAsNewAccount,
  PHONE,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

const harness = setUpConsoleHarness();

/** An agent at version 3: its description changed (v2), then a trait (v3). */
async function agentWithThreeVersions(call: ApiCaller) {
  const agent = await call<{ id: string }>('/api/v1/agents', {
    method: 'POST',
    body: { name: 'Versioned Vera', description: 'Answers billing questions' },
    status: 201,
  });
  const id = agent.id;
  await call(`/api/v1/agents/${id}`, {
    method: 'PATCH',
    body: { description: 'Answers billing and refund questions', change_reason: 'Refunds too' },
  });
  const third = await call(`/api/v1/agents/${id}`, {
    method: 'PATCH',
    body: { traits: { empathy: 90 }, change_reason: 'Warmer' },
  });
  expect(third.version).toBe(3);
  return id;
}

describe('agent versions and history', () => {
  it('compares two versions side by side, rolls back with a reason and shows the rollback in the history', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Vera Version',
      email: uniqueEmail('vera'),
    });
    const id = await agentWithThreeVersions(call);

    await page.goto(`/#/agents/${id}/versions`);
    await page.getByRole('heading', { name: 'Versions of Versioned Vera' }).waitFor();
    expect(await page.getByRole('link', { name: 'Back to the agent' }).getAttribute('href')).toBe(
      `#/agents/${id}`,
    );
    const rows = page.locator('.version-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.first().getAttribute('data-version')).toBe('3');
    await expect.poll(() => rows.first().textContent()).toMatch(/Vera Version.*Warmer/);

    // By default the latest two: version 2 → 3 changed the trait only.
    await page.getByRole('heading', { name: 'Version 2 → version 3' }).waitFor();
    const empathy = page.locator('[data-field="traits.empathy"]');
    await expect.poll(() => empathy.locator('.diff-old pre').textContent()).toBe('50');
    expect(await empathy.locator('.diff-new pre').textContent()).toBe('90');
    expect(await page.locator('.diff-field').count()).toBe(1);

    // Versions 1 and 2, picked in the list: the description's two texts side by side.
    await page.getByLabel('Compare from version 1').check();
    await page.getByLabel('Compare to version 2').check();
    await page.getByRole('heading', { name: 'Version 1 → version 2' }).waitFor();
    const description = page.locator('[data-field="description"]');
    await expect
      .poll(() => description.locator('.diff-old pre').textContent())
      .toBe('Answers billing questions');
    expect(await description.locator('.diff-new pre').textContent()).toBe(
      'Answers billing and refund questions',
    );
    const [oldBox, newBox] = await Promise.all([
      description.locator('.diff-old').boundingBox(),
      description.locator('.diff-new').boundingBox(),
    ]);
    expect(newBox?.x ?? 0).toBeGreaterThan((oldBox?.x ?? 0) + (oldBox?.width ?? 0) - 1);
    expect(newBox?.y).toBe(oldBox?.y);
    expect(await page.locator('.diff-field').count()).toBe(1);
    expect(page.url()).toMatch(/from=1&to=2/);
    await screenshot(page, 'version-diff');

    // The dialog opens from the keyboard and Escape closes it, giving the focus back to its button.
    const rollbackToFirst = page.getByRole('button', { name: 'Roll back to this version (1)' });
    await rollbackToFirst.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1' });
    await dialog.waitFor();
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('name')"))
      .toBe('change_reason');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(() => page.evaluate('document.activeElement?.textContent'))
      .toBe('Roll back to this version (1)');
    expect(await call(`/api/v1/agents/${id}`)).toMatchObject({ version: 3 });

    // Rolled back with a reason: version 4 is listed first, and compared with version 3 by default.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.type('The refund wording confused customers');
    await dialog.getByRole('button', { name: 'Roll back to version 1' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/version 4 is now current/);
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Roll back to this version (1)');
    await expect.poll(() => rows.first().getAttribute('data-version')).toBe('4');
    expect(await rows.first().textContent()).toMatch(
      /current.*rollback.*The refund wording confused customers/,
    );
    await page.getByRole('heading', { name: 'Version 3 → version 4' }).waitFor();
    await expect.poll(() => page.locator('.diff-field').count()).toBe(2);
    expect(await call(`/api/v1/agents/${id}`)).toMatchObject({
      version: 4,
      description: 'Answers billing questions',
      traits: expect.objectContaining({ empathy: 50 }),
    });

    // The history shows the rollback's rows with their reason; the field filter narrows them.
    await page.getByRole('link', { name: 'Field history' }).click();
    await page.getByRole('heading', { name: 'History of Versioned Vera' }).waitFor();
    expect(await page.getByRole('link', { name: 'Back to the agent' }).getAttribute('href')).toBe(
      `#/agents/${id}`,
    );
    const historyRows = page.locator('.history-table tbody tr');
    await expect.poll(() => historyRows.count()).toBeGreaterThan(4);
    const everyField = await historyRows.count();
    const rolledBackDescription = historyRows
      .filter({ hasText: 'rollback' })
      .and(page.locator('[data-field="description"]'));
    await expect.poll(() => rolledBackDescription.count()).toBe(1);
    const cells = await rolledBackDescription.locator('td').allTextContents();
    expect(cells.slice(1, 6)).toEqual([
      '4',
      'rollback',
      'description',
      'Answers billing and refund questions',
      'Answers billing questions',
    ]);
    expect(cells[7]).toBe('The refund wording confused customers');
    await screenshot(page, 'field-history');

    await page.getByLabel('Field or section').fill('traits');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => historyRows.count()).toBeLessThan(everyField);
    const fields = await historyRows.evaluateAll((found) =>
      found.map((row) => row.getAttribute('data-field')),
    );
    expect(fields).toEqual(['traits.empathy', 'traits.empathy']);
    expect(page.url()).toMatch(/field=traits/);
    const history = await call<unknown[]>(`/api/v1/agents/${id}/history?field_filter=traits`);
    expect(history).toHaveLength(fields.length);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('fits a phone-sized screen, and shows the API’s refusal of a rollback made on a stale version', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(
      harness,
      { fullName: 'Pat Phone', email: uniqueEmail('phone') },
      { viewport: PHONE },
    );
    const id = await agentWithThreeVersions(call);
    for (const path of [`/#/agents/${id}/history`, `/#/agents/${id}/versions`]) {
      await page.goto(path);
      await page.locator('tbody tr').first().waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );
    }

    // Someone else changes the agent while the dialog is open: the rollback is refused, not applied.
    await page.getByRole('button', { name: 'Roll back to this version (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1' });
    await call(`/api/v1/agents/${id}`, { method: 'PATCH', body: { tone: 'cheerful' } });
    await dialog.getByRole('button', { name: 'Roll back to version 1' }).click();
    const refusal = dialog.getByRole('alert');
    await expect.poll(() => refusal.textContent()).toMatch(/version_conflict · correlation id \S+/);
    expect(await call(`/api/v1/agents/${id}`)).toMatchObject({ version: 4, tone: 'cheerful' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await context.close();
  });
});

import { describe, expect, it } from 'vitest';
import { registerInConsole, screenshot, setUpConsoleHarness, uniqueEmail } from './console-harness.ts';

const harness = setUpConsoleHarness();

/**
 * The first ten minutes of a new user, by clicks and typing only: from the URL `npm start` prints to
 * an agent that answered, was changed, compared and rolled back, and whose run shows what it cost.
 */
describe('a new user’s first session in the console', () => {
  it('registers, creates an agent, chats with it, compares and rolls back a version, and finds the run', async () => {
    const { page, context, problems } = await harness.openConsole();
    await registerInConsole(page, { fullName: 'New Person', email: uniqueEmail('newcomer') });

    // The agents page is the landing page; an empty organization offers to create one.
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Helpdesk');
    await page.getByLabel('Description', { exact: true }).fill('Answers questions about the office');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: 'Helpdesk' }).waitFor();

    await page.getByRole('link', { name: 'Chat' }).last().click();
    await page.getByLabel('Message', { exact: true }).fill('Where is the printer?');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.getByText('The answer is complete.').waitFor();
    await page.getByText('[offline model]').first().waitFor();

    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.getByRole('link', { name: /Helpdesk/ }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page
      .getByLabel('Description', { exact: true })
      .fill('Answers questions about the office and its printers');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Answers questions about the office and its printers').waitFor();

    await page.getByRole('link', { name: 'Versions' }).click();
    // The latest two versions are compared at first: the description, old on the left, new on the right.
    await page.getByText('Answers questions about the office', { exact: true }).waitFor();
    await page.getByText('Answers questions about the office and its printers', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Roll back to this version' }).first().click();
    await page.getByLabel('Reason').fill('Printers are not ours');
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByText('Printers are not ours').first().waitFor();

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('link', { name: 'Helpdesk' }).first().click();
    await page.getByRole('heading', { name: 'Run' }).waitFor();
    // The offline model costs nothing, and the run says so.
    await expect.poll(() => page.getByTestId('run-cost').textContent()).toMatch(/\$0(\.0+)?$/);
    await screenshot(page, 'first-session-run');
    expect(problems).toEqual([]);
    await context.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  PHONE,
  registerInConsole,
  screenshot,
  startConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

let harness: ConsoleHarness;
beforeAll(async () => {
  harness = await startConsoleHarness();
});
afterAll(() => harness?.close());

describe('signing in', () => {
  it('registers, stays signed in across a reload without storing a token the page can read, and signs out', async () => {
    const { page, context, problems } = await harness.openConsole();
    await screenshot(page, 'sign-in');
    await registerInConsole(page, {
      fullName: 'Ada Lovelace',
      email: uniqueEmail('ada'),
      organization: 'Analytical Engines',
    });
    await expect.poll(() => page.getByTestId('organization-name').textContent()).toBe('Analytical Engines');

    // Nothing in storage, and the refresh cookie is httpOnly and SameSite=Strict, scoped to the auth routes.
    expect(await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]')).toEqual([
      0,
      0,
      '',
    ]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'agentry_refresh',
      httpOnly: true,
      sameSite: 'Strict',
      path: '/api/v1/auth',
    });

    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).first().waitFor();
    await page.reload();
    await page.getByRole('tab', { name: 'Create an account' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the API’s message, its field error and the correlation id for a refused registration', async () => {
    const { page, context } = await harness.openConsole();
    await page.getByRole('tab', { name: 'Create an account' }).click();
    await page.getByLabel('Full name').fill('Short Password');
    await page.getByLabel('Email').fill(uniqueEmail('short'));
    await page.getByLabel('Password').fill('short');
    // The browser's own check of the field would stop the form before the API: skip it.
    await page.locator('form').evaluate((form) => form.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Create account' }).click();
    const alert = page.getByRole('alert').first();
    await expect.poll(() => alert.textContent()).toMatch(/correlation id/);
    await expect.poll(() => page.locator('.field-error').textContent()).toMatch(/at least 8 characters/);
    await context.close();
  });

  it('signs in on a phone-sized screen and reaches the pages through the menu', async () => {
    const email = uniqueEmail('grace');
    const first = await harness.openConsole();
    await registerInConsole(first.page, { fullName: 'Grace Hopper', email });
    await first.context.close();

    const { page, context } = await harness.openConsole({ viewport: PHONE });
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct-horse-battery-staple');
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    await screenshot(page, 'phone-menu');
    await context.close();
  });
});

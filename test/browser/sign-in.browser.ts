import { describe, expect, it } from 'vitest';
import {
  PHONE,
  POLL,
  registerInConsole,
  screenshot,
  setUpConsoleHarness,
  signInToConsole,
  uniqueEmail,
} from './console-harness.ts';

const harness = setUpConsoleHarness();

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

  it('renews the access token before it expires, without the person noticing', async () => {
    const context = await harness.browser.newContext({ baseURL: harness.url });
    const page = await context.newPage();
    // The page's timers run on a clock the test moves: the renewal is due at 80% of the token's life.
    await page.clock.install();
    await page.goto('/');
    await registerInConsole(page, { fullName: 'Renewed', email: uniqueEmail('renewed') });
    const renewal = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/refresh'));
    await page.clock.fastForward('12:30'); // of the default 15-minute token
    const renewed = await renewal;
    expect(renewed.status()).toBe(200);
    const { access_token: renewedToken } = (await renewed.json()) as { access_token: string };

    // The pages' next calls carry the renewed token. (Compared with the renewal's own answer, not
    // with the first token: two tokens issued within the same second are the same string.) Pages
    // are opened until one loads with it: the one opened first may have asked before it was stored.
    const bearers = new Set<string>();
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (request.url().includes('/api/v1/') && authorization) bearers.add(authorization);
    });
    let opened = 0;
    await expect
      .poll(async () => {
        await page.goto(++opened % 2 ? '/#/runs' : '/#/agents');
        await page.waitForLoadState('networkidle');
        return bearers.has(`Bearer ${renewedToken}`);
      }, POLL)
      .toBe(true);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(await page.getByRole('tab', { name: 'Create an account' }).count()).toBe(0);
    await context.close();
  });

  it('signs in on a phone-sized screen and reaches the pages through the menu', async () => {
    const email = uniqueEmail('grace');
    const first = await harness.openConsole();
    await registerInConsole(first.page, { fullName: 'Grace Hopper', email });
    await first.context.close();

    const { page, context } = await harness.openConsole({ viewport: PHONE });
    await signInToConsole(page, email);
    await page.getByRole('button', { name: 'Menu' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    await screenshot(page, 'phone-menu');
    await context.close();
  });
});

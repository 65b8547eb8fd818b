import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, registerInConsole, setUpConsoleHarness, uniqueEmail } from './console-harness.ts';

const harness = setUpConsoleHarness();

const BUDGET_BYTES = 250 * 1024;

/** Counts the bytes of JavaScript the page receives (compressed, as sent) from now on. */
function countScriptBytes(page: Page) {
  const pending: Promise<number>[] = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() === 'script')
      pending.push(request.sizes().then((sizes) => sizes.responseBodySize));
  });
  return async () => (await Promise.all(pending)).reduce((sum, size) => sum + size, 0);
}

describe('the console’s first load', () => {
  it('ships at most 250 KB of compressed JavaScript, signed out and after signing in', async () => {
    const context = await harness.browser.newContext({
      baseURL: harness.url,
      viewport: DESKTOP,
    });
    const page = await context.newPage();
    const scriptBytes = countScriptBytes(page);
    const encodings: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        encodings.push(response.headers()['content-encoding'] ?? 'none');
    });
    const started = performance.now();
    await page.goto('/');
    await page.getByRole('tab', { name: 'Create an account' }).waitFor();
    const signInShown = performance.now() - started;
    const signedOut = await scriptBytes();

    await registerInConsole(page, { fullName: 'First Load', email: uniqueEmail('first-load') });
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    const signedIn = await scriptBytes();
    console.log(
      `console first load: ${(signedOut / 1024).toFixed(1)} KB of compressed JavaScript to the sign-in page (shown in ${signInShown.toFixed(0)} ms), ` +
        `${(signedIn / 1024).toFixed(1)} KB once signed in on the agents page; budget ${BUDGET_BYTES / 1024} KB`,
    );
    expect(encodings.every((encoding) => encoding === 'br' || encoding === 'gzip')).toBe(true);
    expect(signedIn).toBeLessThanOrEqual(BUDGET_BYTES);
    await context.close();
  });
});

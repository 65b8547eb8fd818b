import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { POLL, registerInConsole, screenshot, setUpConsoleHarness, uniqueEmail } from './console-harness.ts';

/**
 * A loopback proxy in front of the stub that holds the first model list until the test releases
 * it, so the page can be seen in `validating` before it turns `connected`.
 */
async function startGate(target: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held: string[] = [];
  const server: Server = createServer(async (request, response) => {
    if (request.url?.endsWith('/models') && held.length === 0) {
      held.push(request.headers.authorization ?? '');
      await released;
    }
    const upstream = await fetch(`${target}${request.url ?? '/'}`, {
      method: request.method ?? 'GET',
      headers: request.headers.authorization ? { authorization: request.headers.authorization } : {},
    });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? '' });
    response.end(await upstream.text());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    held,
    release,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Long enough for the API to show `api_key_last4`; random, so finding it in the page means it leaked.
const API_KEY = `sk-console-${randomBytes(12).toString('hex')}`;
let stub: OpenAiStub;
let gate: Awaited<ReturnType<typeof startGate>>;
beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: API_KEY, models: ['stub-large', 'stub-small'] });
  gate = await startGate(stub.url.replace(/\/v1$/, ''));
});
afterAll(async () => {
  await gate?.close();
  await stub?.close();
});
// The stub and the gate listen on loopback, which the outbound guard refuses unless allowed.
const harness = setUpConsoleHarness({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
// Registered last, so run first: a model list still held at the gate must not hold up the server's stop.
afterAll(() => gate?.release());

describe('the providers pages', () => {
  it('adds a provider through the form, follows its validation live to connected, lists its models and never shows the key', async () => {
    const { page, context, problems } = await harness.openConsole();
    await registerInConsole(page, { fullName: 'Ada Lovelace', email: uniqueEmail('ada') });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Providers' }).click();
    await page.getByRole('heading', { name: 'Providers' }).waitFor();

    await page.getByRole('button', { name: 'Add provider' }).click();
    const form = page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Type').selectOption('openai_compatible');
    await form.getByLabel('Name', { exact: true }).fill('Local stub');
    await form.getByLabel('Base URL').fill(gate.url);
    await form.getByLabel('API key').fill(API_KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('heading', { name: 'Local stub' }).waitFor();
    // A marker that a reload would wipe: the changes below must arrive without one.
    await page.evaluate('window.stillTheSamePage = true');

    const status = page.getByTestId('validation-status');
    await expect.poll(() => status.textContent(), POLL).toBe('validating');
    expect(gate.held).toEqual([`Bearer ${API_KEY}`]);
    expect(await page.content()).not.toContain(API_KEY);
    gate.release();
    await expect.poll(() => status.textContent(), POLL).toBe('connected');
    const models = page.getByRole('list', { name: 'Models' });
    await expect.poll(() => models.textContent(), POLL).toMatch(/stub-large.*stub-small/);
    expect(await page.evaluate("'stillTheSamePage' in window")).toBe(true);
    await page.getByText(`key ending in …${API_KEY.slice(-4)}`).waitFor();
    expect(await page.content()).not.toContain(API_KEY);

    // Validate again: back to connected, live.
    await page.getByRole('button', { name: 'Validate again' }).click();
    const modelLists = () => stub.requests.filter((request) => request.path === '/v1/models').length;
    await expect.poll(modelLists, POLL).toBe(2);
    await expect.poll(() => status.textContent(), POLL).toBe('connected');

    // Edited without a key, the stored key stays.
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit Local stub' });
    await edit.getByLabel('Name', { exact: true }).fill('Local stub (renamed)');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Local stub (renamed)' }).waitFor();
    await page.getByText(`key ending in …${API_KEY.slice(-4)}`).waitFor();

    // A wrong key: the provider's own refusal, live.
    await page.getByRole('link', { name: 'All providers' }).click();
    await page.getByRole('button', { name: 'Add provider' }).click();
    const second = page.getByRole('form', { name: 'Add a provider' });
    await second.getByLabel('Type').selectOption('openai_compatible');
    await second.getByLabel('Name', { exact: true }).fill('Wrong key');
    await second.getByLabel('Base URL').fill(stub.url);
    await second.getByLabel('API key').fill('sk-not-the-right-key-at-all');
    await second.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('heading', { name: 'Wrong key' }).waitFor();
    await expect.poll(() => page.getByTestId('validation-status').textContent(), POLL).toBe('error');
    await expect
      .poll(() => page.getByTestId('validation-error').textContent())
      .toMatch(/rejected the API key/);

    await page.getByRole('link', { name: 'All providers' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Local stub (renamed)' });
    await expect.poll(() => row.getByTestId('validation-status').textContent(), POLL).toBe('connected');
    await expect.poll(() => row.textContent(), POLL).toMatch(/default/);
    await screenshot(page, 'providers');
    expect(await page.content()).not.toContain(API_KEY);

    // Deleted after a confirmation.
    await page.getByRole('link', { name: 'Wrong key' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('heading', { name: 'Providers' }).waitFor();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'Wrong key' }).count(), POLL).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpTestServer, startMcpTestServer } from '../support/mcp-test-server.ts';
import {
  openConsoleAsNewAccount,
  POLL,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

const SECRET = 'Bearer tool-secret-7f3a';

let mcp: McpTestServer;
// The HTTP tool's target: answers with the city it was asked about and records the headers it got.
let target: Server;
let targetPort: number;
const targetAuthorizations: (string | undefined)[] = [];

beforeAll(async () => {
  target = createServer((request, response) => {
    targetAuthorizations.push(request.headers.authorization);
    const city = new URL(request.url ?? '/', 'http://localhost').searchParams.get('city');
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ city, weather: 'sunny' }));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
  mcp = await startMcpTestServer();
});
afterAll(async () => {
  await mcp?.close();
  await new Promise((resolve) => target?.close(resolve));
});
const harness = setUpConsoleHarness({
  // Both targets are on loopback, which the outbound guard refuses unless allowed (docs/tools.md).
  OUTBOUND_ALLOWLIST: '127.0.0.1',
  // One flow makes more requests than a free organization may in a minute.
  RATE_LIMIT_ENABLED: 'false',
});

const region = (page: Page, name: string) => page.getByRole('region', { name });

describe('memories, shared contexts, tools and MCP servers', () => {
  it('manages them through the console', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Rosalind Franklin',
      email: uniqueEmail('resources'),
    });
    const agent = await call<{ id: string }>('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Memory Keeper' },
      status: 201,
    });

    // Memories: add one through the page, then find it with the search and its scores.
    await page.goto(`/#/agents/${agent.id}/memories`);
    await page.getByRole('heading', { name: 'Memories of Memory Keeper' }).waitFor();
    const add = region(page, 'Add a memory');
    await add.getByLabel('Statement').fill('Prefers to be contacted by email');
    await add.getByLabel('Kind').fill('preference');
    await add.getByRole('button', { name: 'Add memory' }).click();
    await page.getByTestId('memory-list').getByText('Prefers to be contacted by email').waitFor();
    const search = region(page, 'Search as a turn would recall');
    await search.getByLabel('Message').fill('How should we contact you, by email?');
    await search.getByRole('button', { name: 'Search memories' }).click();
    const results = page.getByTestId('memory-search-results');
    await results.getByText('Prefers to be contacted by email').waitFor();
    type Scored = {
      score: number;
      components: { recency: number; relevance: number; reinforcement: number };
    };
    const [found] = (
      await call<{ memories: Scored[] }>(`/api/v1/agents/${agent.id}/memories/search`, {
        method: 'POST',
        body: { query: 'How should we contact you, by email?' },
      })
    ).memories;
    // The page shows the score and its parts as the API computed them (recency drifts a little with time).
    const cells = results.locator('tbody tr').first().locator('td');
    const shown = async (column: number) => Number.parseFloat((await cells.nth(column).textContent()) ?? '');
    expect(await shown(2)).toBeCloseTo(found?.score ?? -1, 2);
    expect(await shown(3)).toBeCloseTo(found?.components.recency ?? -1, 2);
    expect(await shown(4)).toBeCloseTo(found?.components.relevance ?? -1, 2);
    expect(await shown(5)).toBeCloseTo(found?.components.reinforcement ?? -1, 2);
    expect(found?.components.relevance).toBeGreaterThan(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'memories');

    // Editing a memory changes its statement.
    await page.getByRole('button', { name: 'Edit memory: Prefers to be contacted by email' }).click();
    await page
      .getByTestId('memory-list')
      .getByLabel('Content')
      .fill('Prefers to be contacted by email, never by phone');
    await page.getByRole('button', { name: 'Save memory' }).click();
    await page
      .getByTestId('memory-list')
      .getByText('Prefers to be contacted by email, never by phone')
      .waitFor();

    // Forgetting an end user asks first, then deletes only that user's memories.
    await add.getByLabel('Statement').fill('Lives in Lisbon');
    await add.getByLabel('Scope').selectOption('user');
    await add.getByLabel('End user id').fill('customer-42');
    await add.getByRole('button', { name: 'Add memory' }).click();
    await page.getByTestId('memory-list').getByText('Lives in Lisbon').waitFor();
    const forget = region(page, 'Forget an end user');
    await forget.getByLabel('End user id').fill('customer-42');
    await forget.getByRole('button', { name: 'Forget user…' }).click();
    await forget.getByRole('button', { name: 'Yes, forget customer-42' }).click();
    await forget.getByText('Forgot customer-42: 1 memories deleted.').waitFor();
    const left = await call<{ content: string }[]>(`/api/v1/agents/${agent.id}/memories`);
    expect(left.map((memory) => memory.content)).toEqual([
      'Prefers to be contacted by email, never by phone',
    ]);

    // Shared contexts: created through the API, edited in the page, then rolled back.
    const created = await call<{ id: string }>(`/api/v1/agents/${agent.id}/contexts`, {
      method: 'POST',
      body: { name: 'customer_case', data: { customer: 'Acme Corp' } },
      status: 201,
    });
    await page.goto(`/#/agents/${agent.id}/contexts`);
    await page.getByRole('link', { name: 'customer_case' }).click();
    await page.getByRole('heading', { name: 'Context customer_case' }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByLabel('Document (JSON)');
    // Not an object: the API refuses it and the page shows why.
    await editor.fill('[1, 2]');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => page.locator('.error-notice').first().textContent()).toMatch(/correlation id/);
    await editor.fill('{"customer": "Acme Corp", "note": "<b>not markup</b>"}');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect.poll(() => page.getByTestId('context-version').textContent()).toContain('Version 2 of 2');
    // The document's strings are shown as text.
    expect(await page.getByTestId('context-document').textContent()).toContain('<b>not markup</b>');
    await page.getByTestId('context-versions').getByRole('cell', { name: '2', exact: true }).waitFor();
    await screenshot(page, 'context-versions');
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await expect.poll(() => page.getByTestId('context-version').textContent()).toContain('Version 3 of 3');
    expect(JSON.parse((await page.getByTestId('context-document').textContent()) ?? '')).toEqual({
      customer: 'Acme Corp',
    });
    expect(
      await call<{ data: unknown; current_version: number }>(`/api/v1/contexts/${created.id}`),
    ).toMatchObject({
      data: { customer: 'Acme Corp' },
      current_version: 3,
    });

    // Sharing it with another agent, read-only, then taking the share back.
    const other = await call<{ id: string }>('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Case Reader' },
      status: 201,
    });
    await page.reload();
    const shares = region(page, 'Shared with');
    await shares.getByLabel('Agent').selectOption({ label: 'Case Reader' });
    await shares.getByRole('button', { name: 'Share', exact: true }).click();
    await shares.getByRole('cell', { name: 'Case Reader' }).waitFor();
    expect(
      await call<{ agent_id: string; access: string }[]>(`/api/v1/contexts/${created.id}/shares`),
    ).toMatchObject([{ agent_id: other.id, access: 'read' }]);
    await shares.getByRole('button', { name: 'Unshare' }).click();
    await shares.getByText('Only its owner sees this context.').waitFor();

    // An HTTP tool through the form, then its test; its secret header is sent but never shown.
    await page.goto('/#/tools');
    await page.getByRole('button', { name: 'New HTTP tool' }).click();
    const form = page.getByRole('form', { name: 'New HTTP tool' });
    await form.getByLabel('Name', { exact: true }).fill('city_weather');
    await form.getByLabel('Description').fill('The weather of a city');
    await form.getByLabel('URL template').fill(`http://127.0.0.1:${targetPort}/weather?city={{city}}`);
    await form
      .getByLabel('Secret headers (JSON, write-only)')
      .fill(JSON.stringify({ Authorization: SECRET }));
    await form
      .getByLabel('Input schema (JSON Schema of the arguments)')
      .fill(JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }));
    await form.getByRole('button', { name: 'Create tool' }).click();
    const tools = page.getByTestId('tool-list');
    await tools.getByText('Secret headers set: Authorization').waitFor();
    await page.getByRole('button', { name: 'Test city_weather' }).click();
    await page.getByLabel('Arguments for city_weather (JSON)').fill('{"city": "Lisbon"}');
    await page.getByRole('button', { name: 'Run test' }).click();
    const outcome = page.getByTestId('tool-test-result');
    await outcome.getByText('Succeeded').waitFor();
    expect(await outcome.textContent()).toMatch(/Lisbon/);
    expect(targetAuthorizations).toContain(SECRET);
    expect(await page.content()).not.toContain('tool-secret-7f3a');

    // An MCP server registered through the page becomes connected live, with its tools.
    await page.goto('/#/mcp-servers');
    await page.getByRole('button', { name: 'New MCP server' }).click();
    const serverForm = page.getByRole('form', { name: 'New MCP server' });
    await serverForm.getByLabel('Name', { exact: true }).fill('testmcp');
    await serverForm.getByLabel('Endpoint').fill(mcp.url);
    await serverForm.getByRole('button', { name: 'Register server' }).click();
    const row = page.getByTestId('mcp-server-testmcp');
    await expect.poll(() => row.getByTestId('mcp-health').textContent(), POLL).toBe('connected');
    await row.getByRole('list', { name: 'Tools of testmcp' }).getByText('testmcp.add').waitFor();
    await screenshot(page, 'mcp-servers');

    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  apiWith,
  openConsoleAsNewAccount,
  PHONE,
  POLL,
  screenshot,
  setUpConsoleHarness,
  signInToConsole,
  uniqueEmail,
} from './console-harness.ts';

const harness = setUpConsoleHarness();

const MEMBER_PASSWORD = 'a-long-initial-password';

async function addMember(page: Page, member: { name: string; email: string; role: string }) {
  await page.getByRole('button', { name: 'Add member' }).click();
  const form = page.getByRole('form', { name: 'Add a member' });
  await form.getByLabel('Email').fill(member.email);
  await form.getByLabel('Full name').fill(member.name);
  await form.getByLabel('Initial password').fill(MEMBER_PASSWORD);
  await form.getByLabel('Role').selectOption(member.role);
  await form.getByRole('button', { name: 'Add member' }).click();
  await page.getByRole('row').filter({ hasText: member.email }).waitFor();
}

describe('the organization pages', () => {
  it('adds members, changes a role, disables one; a created API key is shown once, works, and stops when revoked; a non-admin gets the 403', async () => {
    const adminEmail = uniqueEmail('ada');
    const bobEmail = uniqueEmail('bob');
    const carolEmail = uniqueEmail('carol');
    const {
      page,
      context,
      problems,
      call: asAdmin,
    } = await openConsoleAsNewAccount(harness, {
      fullName: 'Ada Lovelace',
      email: adminEmail,
      organization: 'Engines',
    });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByRole('row').filter({ hasText: adminEmail }).waitFor();

    // The API's field error shows on its field.
    await page.getByRole('button', { name: 'Add member' }).click();
    const form = page.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email').fill(bobEmail);
    await form.getByLabel('Full name').fill('Bob Builder');
    await form.getByLabel('Initial password').fill('short');
    await form.getByRole('button', { name: 'Add member' }).click();
    await expect
      .poll(() => form.locator('.field-error').textContent(), POLL)
      .toMatch(/at least 8 characters/);
    await expect.poll(() => form.getByRole('alert').first().textContent(), POLL).toMatch(/correlation id/);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await addMember(page, { name: 'Bob Builder', email: bobEmail, role: 'readonly' });
    await addMember(page, { name: 'Carol Shaw', email: carolEmail, role: 'agent_user' });

    await page.getByLabel('Role of Bob Builder').selectOption('agent_user');
    await expect.poll(() => page.getByLabel('Role of Bob Builder').inputValue(), POLL).toBe('agent_user');
    await page.getByRole('button', { name: 'Disable Carol Shaw' }).click();
    await page.getByRole('button', { name: 'Enable Carol Shaw' }).waitFor();
    const carolRow = page.getByRole('row').filter({ hasText: carolEmail });
    await expect.poll(() => carolRow.getByText('disabled').count(), POLL).toBe(1);

    const users = await asAdmin<{ email: string; role: string; status: string }[]>('/api/v1/users');
    expect(users.find((user) => user.email === bobEmail)).toMatchObject({
      role: 'agent_user',
      status: 'active',
    });
    expect(users.find((user) => user.email === carolEmail)).toMatchObject({
      role: 'agent_user',
      status: 'disabled',
    });
    await screenshot(page, 'members');

    // An API key: shown once, in a dialog, with a copy button.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.url });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const keyForm = page.getByRole('form', { name: 'Create an API key' });
    await keyForm.getByLabel('Name').fill('CI deploy');
    await keyForm.getByLabel('Role').selectOption('agent_user');
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: /API key “CI deploy” created/ });
    await dialog.waitFor();
    const key = (await dialog.getByTestId('created-key').textContent())?.trim() ?? '';
    expect(key).toMatch(/^agk_[0-9a-f]{12}/);
    expect(await dialog.textContent()).toMatch(/shown only this once/);
    await dialog.getByRole('button', { name: 'Copy key' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await screenshot(page, 'api-key-once');

    const asKey = apiWith(harness, key);
    expect(await asKey('/api/v1/me')).toMatchObject({ principal_type: 'api_key', role: 'agent_user' });

    // Closed, the key is gone from the page, and no later response carries it.
    const responses: Promise<string>[] = [];
    page.on('response', (response) => {
      // The event stream never ends: its body cannot be awaited.
      if (response.url().includes('/api/') && !response.url().includes('/api/v1/events'))
        responses.push(response.text().catch(() => ''));
    });
    await dialog.getByRole('button', { name: /close/ }).click();
    await expect.poll(() => page.getByTestId('created-key').count(), POLL).toBe(0);
    expect(await page.content()).not.toContain(key);
    await page.reload();
    const keyRow = page.getByRole('row').filter({ hasText: 'CI deploy' });
    await keyRow.waitFor();
    const [listed] = await asAdmin<{ prefix: string }[]>('/api/v1/api-keys');
    expect(key.startsWith(listed?.prefix ?? '?')).toBe(true);
    expect(await keyRow.textContent()).toContain(listed?.prefix);
    expect(await page.content()).not.toContain(key);
    expect(responses.length).toBeGreaterThan(0);
    for (const body of await Promise.all(responses)) expect(body).not.toContain(key);

    // Revoked after a confirmation, it stops working at once.
    await keyRow.getByRole('button', { name: 'Revoke CI deploy' }).click();
    await keyRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => keyRow.getByText(/revoked/).count(), POLL).toBe(1);
    await asKey('/api/v1/me', { status: 401 });

    // On a phone the tables scroll inside their frame; the page itself does not scroll sideways.
    await page.setViewportSize(PHONE);
    for (const path of ['/#/api-keys', '/#/members']) {
      await page.goto(path);
      await page.getByRole('table').waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    }
    expect(problems).toEqual([]);
    await context.close();

    // The member without members:read: no Members entry, and the API's 403 at its URL.
    const member = await harness.openConsole();
    await signInToConsole(member.page, bobEmail, MEMBER_PASSWORD);
    const navigation = member.page.getByRole('navigation', { name: 'Main' });
    await navigation.getByRole('link', { name: 'API keys' }).waitFor();
    expect(await navigation.getByRole('link', { name: 'Members' }).count()).toBe(0);
    await member.page.goto('/#/members');
    const alert = member.page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toMatch(/The agent_user role lacks the members:read permission.*correlation id/);
    expect(await member.page.content()).not.toContain(carolEmail);
    expect(await member.page.getByRole('table', { name: 'Members' }).count()).toBe(0);
    expect(member.problems).toEqual([]);
    await member.context.close();
  }, 180_000);
});

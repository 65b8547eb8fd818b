import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConsoleAsNewAccount,
  POLL,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

const harness = setUpConsoleHarness();
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'agentry-knowledge-'));
});
afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('knowledge', () => {
  it('uploads with progress, shows extraction live, refuses with the API’s message, and orders an agent’s files', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Hypatia Librarian',
      email: uniqueEmail('librarian'),
    });

    const notes = join(folder, 'notes.md');
    const faq = join(folder, 'faq.txt');
    // Large enough that the upload takes more than one progress event.
    await writeFile(
      notes,
      `# Refunds\n\n${'Refunds are processed within five business days. '.repeat(8_000)}\n`,
    );
    await writeFile(faq, 'Opening hours: nine to five, Monday to Friday.\n');

    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
    // A reload would lose this mark: the live updates below must arrive without one.
    await page.evaluate('window.notReloaded = true');

    // Two files in one go, each with its own progress bar that ends full.
    await page.getByLabel('Files to upload').setInputFiles([notes, faq]);
    await page.getByRole('button', { name: 'Upload 2 files' }).click();
    for (const name of ['notes.md', 'faq.txt']) {
      const bar = page.getByRole('progressbar', { name: `Upload of ${name}` });
      await page.getByRole('listitem').filter({ hasText: name }).getByText('Uploaded').waitFor();
      const max = Number(await bar.getAttribute('max'));
      expect(Number(await bar.getAttribute('value'))).toBe(max);
      expect(max).toBeGreaterThan(0);
    }
    const notesRow = page.getByTestId('file-row').filter({ hasText: 'notes.md' });
    await expect
      .poll(() => notesRow.getByTestId('processing-status').getAttribute('data-status'))
      .toBe('pending');
    await expect.poll(() => notesRow.textContent()).toMatch(/text\/markdown/);

    // A type the API refuses: its own message is shown, with its code.
    const script = join(folder, 'install.sh');
    await writeFile(script, 'echo hello\n');
    await page.getByLabel('Files to upload').setInputFiles(script);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const refusal = page.getByRole('listitem').filter({ hasText: 'install.sh' }).getByRole('alert');
    await expect.poll(() => refusal.textContent()).toMatch(/file_type_blocked/);
    const direct = new FormData();
    direct.append('file', new Blob(['echo hello\n']), 'install.sh');
    const refused = await fetch(`${harness.url}/api/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.token}` },
      body: direct,
    });
    const refusedBody = (await refused.json()) as { message: string };
    expect(refused.status).toBe(400);
    expect(await refusal.textContent()).toContain(refusedBody.message);

    // Another agent reading notes.md starts its extraction: the row turns processed live.
    const files = await call<{ id: string; filename: string }[]>('/api/v1/files');
    const idOf = (name: string) => files.find((file) => file.filename === name)?.id as string;
    const reader = await call<{ id: string }>('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Reader' },
      status: 201,
    });
    await call(`/api/v1/agents/${reader.id}/files`, {
      method: 'POST',
      body: { file_id: idOf('notes.md') },
      status: 201,
    });
    await expect
      .poll(() => notesRow.getByTestId('processing-status').getAttribute('data-status'), POLL)
      .toBe('processed');
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    // Download: the bytes as uploaded, under their name.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download faq.txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('faq.txt');
    await screenshot(page, 'knowledge-files');

    // The agent's files: attach two, reorder with the keyboard, detach one.
    const agent = await call<{ id: string }>('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Librarian' },
      status: 201,
    });
    await page.goto(`/#/agents/${agent.id}/files`);
    await page.getByRole('heading', { name: 'Files of Librarian' }).waitFor();
    const attached = page.getByTestId('attached-file');
    for (const name of ['notes.md', 'faq.txt']) {
      await page.getByLabel('File', { exact: true }).selectOption({ label: name });
      await page.getByRole('button', { name: 'Attach', exact: true }).click();
      await attached.filter({ hasText: name }).waitFor();
    }
    await expect
      .poll(() => attached.allTextContents())
      .toEqual([expect.stringContaining('notes.md'), expect.stringContaining('faq.txt')]);
    // faq.txt was read by no agent before: its extraction shows here, live too.
    await expect
      .poll(
        () =>
          attached
            .filter({ hasText: 'faq.txt' })
            .getByTestId('processing-status')
            .getAttribute('data-status'),
        POLL,
      )
      .toBe('processed');

    await page.getByRole('button', { name: 'Move faq.txt up' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => attached.first().textContent()).toContain('faq.txt');
    // The focus followed the moved file (now first, so its "down" button).
    await expect
      .poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'))
      .toBe('Move faq.txt down');
    const ordered = await call<{ filename: string; order_index: number }[]>(
      `/api/v1/agents/${agent.id}/files`,
    );
    expect(ordered.map((file) => file.filename)).toEqual(['faq.txt', 'notes.md']);
    await screenshot(page, 'agent-files');

    await page.getByRole('button', { name: 'Detach notes.md' }).click();
    await expect.poll(() => attached.allTextContents()).toEqual([expect.stringContaining('faq.txt')]);
    const remaining = await call<{ filename: string }[]>(`/api/v1/agents/${agent.id}/files`);
    expect(remaining.map((file) => file.filename)).toEqual(['faq.txt']);
    expect(await page.getByRole('link', { name: 'Back to the agent' }).getAttribute('href')).toBe(
      `#/agents/${agent.id}`,
    );

    // Deleting a file an agent still reads: the API's 409, then detaching it from every agent and deleting.
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await notesRow.waitFor();
    await page.getByRole('button', { name: 'Delete notes.md' }).click();
    await notesRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => notesRow.getByRole('alert').textContent()).toMatch(/file_attached/);
    await notesRow.getByRole('button', { name: 'Detach from its agents and delete' }).click();
    await expect.poll(() => notesRow.count()).toBe(0);
    const after = await call<{ filename: string }[]>('/api/v1/files');
    expect(after.map((file) => file.filename)).toEqual(['faq.txt']);

    expect(problems).toEqual([]);
    await context.close();
  });
});

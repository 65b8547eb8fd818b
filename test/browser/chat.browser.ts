import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  openConsoleAsNewAccount,
  PHONE,
  POLL,
  screenshot,
  setUpConsoleHarness,
  signInToConsole,
  uniqueEmail,
} from './console-harness.ts';

// A thousand messages are added through the API: the per-minute rate limit would refuse most.
const harness = setUpConsoleHarness({ RATE_LIMIT_ENABLED: 'false' });

const status = (page: Page) => page.locator('.chat-status').textContent();

async function sendMessage(page: Page, text: string) {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await expect.poll(() => status(page), POLL).toBe('The answer is complete.');
}

describe('chat', () => {
  it('streams an answer, continues the session after a reload, takes feedback and renders hostile markdown inertly', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Chat Tester',
      email: uniqueEmail('chat'),
      organization: 'Chatters',
    });
    const agent = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Chatty', show_suggestions_after_each_message: true },
      status: 201,
    });

    await page.getByRole('link', { name: 'Chat', exact: true }).click();
    await expect.poll(() => page.getByLabel('Agent', { exact: true }).inputValue()).toBe(agent.id);

    // Counts the DOM updates of the answer being written, and keeps the texts it replaced: the
    // offline model sends its words in one burst, so the observer may run once, but each word was
    // in the page before the next one.
    // A string, so that nothing the test's compiler adds to a function reaches the browser.
    await page.evaluate(`(() => {
      const seen = { records: 0, replaced: [] };
      window.__growth = seen;
      new MutationObserver((records) => {
        const answer = document.querySelector('[data-testid="streaming-answer"]');
        for (const record of records) {
          if (!answer || !answer.contains(record.target)) continue;
          seen.records++;
          if (record.type === 'characterData' && record.oldValue) seen.replaced.push(record.oldValue);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, characterDataOldValue: true });
    })()`);
    const question =
      'Tell me how the aurora forms over the northern sky when solar wind particles meet the magnetosphere at night';
    await sendMessage(page, question);
    const growth = (await page.evaluate('window.__growth')) as { records: number; replaced: string[] };
    const answer = page.locator('[data-message-id]').last();
    const finalText = (await answer.textContent()) ?? '';
    console.log(
      `streaming: ${growth.records} DOM updates of the answer; ${growth.replaced.length} texts replaced, e.g. ${JSON.stringify(growth.replaced.slice(0, 3))}`,
    );
    expect(finalText).toContain('[offline model]');
    expect(finalText).toContain('You said');
    // Word by word: many updates, each replacing a shorter beginning of the answer.
    expect(growth.records).toBeGreaterThan(10);
    const partial = growth.replaced.filter((text) => text.length > 0 && finalText.includes(text.trim()));
    expect(new Set(partial.map((text) => text.length)).size).toBeGreaterThan(5);

    // The session is in the URL; the turn stored the exchange.
    const sessionId = new URL(page.url().replace('#/', '')).searchParams.get('session');
    expect(sessionId).toBeTruthy();
    const session = await call(`/api/v1/sessions/${sessionId}`);
    expect(session.agent_id).toBe(agent.id);
    expect(session.message_count).toBe(2);

    // The agent's suggested follow-ups are buttons that send their text.
    const suggestions = page.getByRole('group', { name: 'Suggested follow-ups' }).getByRole('button');
    await expect.poll(() => suggestions.count()).toBeGreaterThan(0);
    const suggestion = (await suggestions.first().textContent()) ?? '';
    await suggestions.first().click();
    await expect.poll(() => status(page), POLL).toBe('The answer is complete.');
    await expect.poll(async () => (await call(`/api/v1/sessions/${sessionId}`)).message_count).toBe(4);
    const sent = await call<{ content: string }[]>(`/api/v1/sessions/${sessionId}/messages?role=user`);
    expect(sent.map((message) => message.content)).toEqual([question, suggestion]);

    // After a reload the same conversation is shown and continues.
    await page.reload();
    await expect.poll(() => page.locator('[data-message-id]').count()).toBe(4);
    await sendMessage(page, 'And one more question about the aurora');
    await expect.poll(async () => (await call(`/api/v1/sessions/${sessionId}`)).message_count).toBe(6);
    expect(await page.locator('.chat-sessions li').count()).toBe(1);

    // Feedback: a thumbs up, then a comment, both stored.
    const firstAnswer = page.locator('.chat-message-assistant[data-message-id]').first();
    const answerId = await firstAnswer.getAttribute('data-message-id');
    await firstAnswer.getByRole('button', { name: 'Good answer' }).click();
    await expect
      .poll(() => firstAnswer.getByRole('button', { name: 'Good answer' }).getAttribute('aria-pressed'))
      .toBe('true');
    await firstAnswer.getByRole('button', { name: 'Comment' }).click();
    await firstAnswer.getByLabel('Comment on this answer').fill('Clear and short');
    await firstAnswer.getByRole('button', { name: 'Save feedback' }).click();
    await expect
      .poll(async () => {
        const stored = await call(`/api/v1/messages/${answerId}`);
        return [stored.feedback_score, stored.feedback_reason];
      })
      .toEqual([1, 'Clear and short']);

    // Search in this conversation finds the message and links to its session.
    await page.getByLabel('Words to find').fill('magnetosphere');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const result = page.locator('.chat-search-results li').first();
    await expect.poll(() => result.textContent()).toContain('magnetosphere');
    expect(await result.getByRole('link').getAttribute('href')).toContain(`session=${sessionId}`);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'chat');

    // Stop: the turn is held on its way to the server, and the Stop button gives it up.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let intercepted = 0;
    const isTurn = (url: URL) => url.pathname.endsWith('/execute/stream');
    await page.route(isTurn, async (route) => {
      intercepted++;
      await held;
      await route.abort().catch(() => undefined);
    });
    await page.getByLabel('Message', { exact: true }).fill('This one is stopped');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => status(page)).toBe('Stopped: the answer was not saved.');
    expect(intercepted).toBe(1);
    expect(await page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
    expect((await call(`/api/v1/sessions/${sessionId}`)).message_count).toBe(6);
    await page.unroute(isTurn);
    release();

    // Hostile markdown, sent as the user's message (and echoed by the offline model).
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.getByRole('link', { name: 'New conversation' }).click();
    await sendMessage(
      page,
      [
        'Look: <img src=x onerror="window.__pwned=1">',
        '[click](javascript:window.__pwned=1) and [docs](https://example.com/docs)',
        '![x](http://127.0.0.1:1/tracker.png)',
      ].join('\n'),
    );
    const conversation = page.locator('.chat-main');
    await expect.poll(() => conversation.locator('[data-message-id]').count()).toBe(2);
    expect(await conversation.textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await conversation.getByRole('link', { name: 'click' }).count()).toBe(0);
    const docs = conversation.getByRole('link', { name: 'docs' }).first();
    expect(await docs.getAttribute('href')).toBe('https://example.com/docs');
    expect(await docs.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await docs.getAttribute('target')).toBe('_blank');
    expect(await conversation.textContent()).toContain('[image: x]');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(
      requested.filter((url) => url.includes('tracker') || url.startsWith('http://127.0.0.1:1/')),
    ).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a stored tool call collapsed, with its input and a link to the run that holds its result', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Tool User',
      email: uniqueEmail('tools'),
    });
    const agent = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Clock Carl', tools: ['current_time'] },
      status: 201,
    });
    await page.evaluate(`window.location.hash = ${JSON.stringify(`/chat?agent=${agent.id}`)}`);
    // The offline model calls a tool the message names.
    await sendMessage(page, 'What does the current time tool say?');
    const tool = page.locator('[data-message-id] .tool-call').first();
    await tool.waitFor();
    expect(await tool.locator('summary').textContent()).toContain('current_time');
    expect(await tool.locator('pre').first().isVisible()).toBe(false);
    await tool.locator('summary').click();
    // The stored message keeps the call; its result is on the run, which is linked.
    expect(await tool.locator('pre').first().textContent()).toContain('timezone');
    const run = tool.getByRole('link', { name: 'the run' });
    expect(await run.getAttribute('href')).toMatch(/^#\/runs\/[0-9a-f-]{36}$/);
    const runId = (await run.getAttribute('href'))?.split('/').pop();
    const recorded = await call<{ actions: { action_type: string }[] }>(`/api/v1/runs/${runId}`);
    expect(recorded.actions.map((action) => action.action_type)).toContain('tool_call');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens a session of 1,000 messages at its end with only the visible rows in the page', async () => {
    const email = uniqueEmail('long');
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Long Talker',
      email,
    });
    const agent = await call('/api/v1/agents', {
      method: 'POST',
      body: { name: 'Patient Pat' },
      status: 201,
    });
    const session = await call('/api/v1/sessions', {
      method: 'POST',
      body: { agent_id: agent.id, title: 'A long talk' },
      status: 201,
    });
    // Added in order (creation time orders the list), fifty requests at a time.
    for (let start = 0; start < 1000; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, offset) => start + offset).map((number) =>
          call(`/api/v1/sessions/${session.id}/messages`, {
            method: 'POST',
            body: {
              role: number % 2 === 0 ? 'user' : 'assistant',
              content: `Message number ${number + 1}: **bold** and \`code\`${number % 7 === 0 ? '\n\n- one\n- two' : ''}`,
            },
            status: 201,
          }),
        ),
      );
    }
    expect((await call(`/api/v1/sessions/${session.id}`)).message_count).toBe(1000);
    const [newest] = await call<{ id: string; content: string }[]>(
      `/api/v1/sessions/${session.id}/messages?limit=1&offset=999`,
    );

    await page.getByRole('link', { name: 'Chat', exact: true }).click();
    await page.getByLabel('Message', { exact: true }).waitFor();
    const started = Date.now();
    const chatUrl = `/chat?agent=${agent.id}&session=${session.id}`;
    await page.evaluate(`window.location.hash = ${JSON.stringify(chatUrl)}`);
    const last = page.locator(`[data-message-id="${newest?.id}"]`);
    await last.waitFor({ state: 'visible' });
    // At the bottom: the newest message is inside the list's visible area.
    await expect
      .poll(async () => {
        const [row, list] = await Promise.all([
          last.boundingBox(),
          page.locator('.chat-messages').boundingBox(),
        ]);
        return row && list ? row.y + row.height <= list.y + list.height + 1 && row.y >= list.y - 1 : false;
      })
      .toBe(true);
    const elapsed = Date.now() - started;
    const rows = await page.locator('.chat-messages .virtual-list-row').count();
    console.log(`1,000 messages: the last one shown after ${elapsed} ms, ${rows} message rows in the DOM`);
    expect(rows).toBeLessThan(100);
    expect(await last.textContent()).toContain(newest?.content.split(':')[0]);
    await context.close();

    // The same conversation on a phone.
    const phone = await harness.openConsole({ viewport: PHONE });
    await signInToConsole(phone.page, email);
    await phone.page.getByRole('button', { name: 'Menu' }).waitFor();
    await phone.page.evaluate(`window.location.hash = ${JSON.stringify(chatUrl)}`);
    await phone.page.locator(`[data-message-id="${newest?.id}"]`).waitFor({ state: 'visible' });
    await screenshot(phone.page, 'chat-phone');
    expect(problems).toEqual([]);
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });
});

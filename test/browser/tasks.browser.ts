import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  openConsoleAsNewAccount,
  PHONE,
  POLL,
  screenshot,
  setUpConsoleHarness,
  uniqueEmail,
} from './console-harness.ts';

/**
 * The task queue in the console against a real server whose offline model answers the tasks: a task
 * created through the form goes to completed live, its detail shows its attempts, a scheduled task
 * is cancelled, and a dead task (its agent was inactive) is listed in the dead letters and retried.
 */
const harness = setUpConsoleHarness();

const row = (page: Page, taskId: string) => page.locator(`tr[data-task-id="${taskId}"]`);
const statusOf = (page: Page, taskId: string) => row(page, taskId).locator('.badge').textContent();

describe('tasks in the console', () => {
  it('creates a task that completes live, shows its attempts, cancels a scheduled task and retries a dead one', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(harness, {
      fullName: 'Tess Queue',
      email: uniqueEmail('tasks'),
      organization: 'Queue Works',
    });
    const worker = await call('/api/v1/agents', { method: 'POST', body: { name: 'Worker' }, status: 201 });

    await page.goto('/#/tasks');
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New task' }).click();
    const form = page.getByRole('form', { name: 'New task' });
    await form.getByLabel('Agent').selectOption(worker.id);

    // The API's validation error lands on its field: the task type is required.
    await form.getByRole('button', { name: 'Create task' }).click();
    await expect.poll(() => form.locator('.field-invalid').first().textContent()).toMatch(/Task type/);
    await expect.poll(() => form.getByRole('alert').first().textContent()).toMatch(/correlation id/);

    await form.getByLabel('Task type').fill('inquiry_summary');
    await form.getByLabel('Task data (JSON)').fill('{"message": "Summarize the open inquiries"}');
    await form.getByLabel('Priority').fill('2');
    await form.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('status').getByRole('link', { name: 'inquiry_summary' }).waitFor();
    const [created] = await call(`/api/v1/tasks?agent_id=${worker.id}&task_type=inquiry_summary`);
    expect(created).toMatchObject({ priority: 2, task_data: { message: 'Summarize the open inquiries' } });

    // The list follows the task through the shared event stream, to its result.
    await expect.poll(() => statusOf(page, created.id), POLL).toBe('completed');
    const completed = await call(`/api/v1/agents/${worker.id}/tasks/${created.id}`);
    expect(completed.result.answer.length).toBeGreaterThan(0);
    await expect
      .poll(() => row(page, created.id).locator('.result-cell').textContent())
      .toContain(completed.result.answer.slice(0, 60));
    await expect.poll(() => page.getByTestId('count-completed').textContent()).toBe('1');
    await screenshot(page, 'tasks');

    // Its detail: input, result, and the attempt that produced it.
    await row(page, created.id).getByRole('link', { name: 'inquiry_summary' }).click();
    await page.getByRole('heading', { name: 'Task inquiry_summary' }).waitFor();
    await expect.poll(() => page.getByTestId('task-status').textContent()).toBe('completed');
    expect(await page.getByTestId('task-answer').textContent()).toBe(completed.result.answer);
    expect(await page.getByRole('figure', { name: 'Task data' }).textContent()).toContain(
      '"message": "Summarize the open inquiries"',
    );
    const attempts = page.getByRole('table', { name: 'Attempts' }).locator('tbody tr');
    expect(await attempts.count()).toBe(1);
    expect(await attempts.first().textContent()).toContain('completed');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.locator('.action-list li').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'task-detail');

    // A task scheduled an hour from now waits as scheduled; it is cancelled from the list.
    const later = await call(`/api/v1/agents/${worker.id}/tasks`, {
      method: 'POST',
      body: {
        task_type: 'weekly_review',
        scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
        queue: true,
      },
      status: 201,
    });
    expect(later.status).toBe('scheduled');
    await page.goto('/#/tasks?status=scheduled');
    await expect.poll(() => statusOf(page, later.id)).toBe('scheduled');
    await row(page, later.id).getByRole('button', { name: 'Cancel weekly_review' }).click();
    await expect.poll(() => page.locator(`tr[data-task-id="${later.id}"]`).count()).toBe(0);
    expect((await call(`/api/v1/agents/${worker.id}/tasks/${later.id}`)).status).toBe('cancelled');

    // An inactive agent's task is dead at its first attempt: listed in the dead letters.
    const idle = await call('/api/v1/agents', { method: 'POST', body: { name: 'Idle' }, status: 201 });
    await call(`/api/v1/agents/${idle.id}`, { method: 'PATCH', body: { status: 'inactive' } });
    await page.getByRole('tab', { name: /Dead letters/ }).click();
    await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    const dead = await call(`/api/v1/agents/${idle.id}/tasks`, {
      method: 'POST',
      body: { task_type: 'ping', task_data: { message: 'Are you there?' }, queue: true },
      status: 201,
    });
    await expect.poll(() => statusOf(page, dead.id), POLL).toBe('dead');
    expect(await row(page, dead.id).locator('.result-cell').textContent()).toContain('agent_inactive');
    expect(page.url()).toContain('status=dead');

    // Retried once the agent is active again, it completes; its history keeps both attempts.
    await call(`/api/v1/agents/${idle.id}`, { method: 'PATCH', body: { status: 'active' } });
    await row(page, dead.id).getByRole('link', { name: 'ping' }).click();
    await expect.poll(() => page.getByTestId('task-status').textContent()).toBe('dead');
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.getByTestId('task-status').textContent(), POLL).toBe('completed');
    const history = page.getByRole('table', { name: 'Attempts' }).locator('tbody tr');
    await expect.poll(() => history.count()).toBe(2);
    expect(await history.first().textContent()).toContain('agent_inactive');
    expect(await history.nth(1).textContent()).toContain('completed');

    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the API’s refusal of a retry with its correlation id, and the queue on a phone-sized screen', async () => {
    const { page, context, problems, call } = await openConsoleAsNewAccount(
      harness,
      { fullName: 'Pat Phone', email: uniqueEmail('phone-tasks') },
      { viewport: PHONE },
    );
    const agent = await call('/api/v1/agents', { method: 'POST', body: { name: 'Pocket' }, status: 201 });
    await call(`/api/v1/agents/${agent.id}`, { method: 'PATCH', body: { status: 'inactive' } });
    const task = await call(`/api/v1/agents/${agent.id}/tasks`, {
      method: 'POST',
      body: { task_type: 'ping', queue: true },
      status: 201,
    });
    await expect
      .poll(async () => (await call(`/api/v1/agents/${agent.id}/tasks/${task.id}`)).status, POLL)
      .toBe('dead');

    // Without live events the page keeps showing the dead task while it is retried elsewhere and
    // completes: its Retry then meets the API's 409, shown as the API wrote it.
    await page.route('**/api/v1/events', (route) => route.fulfill({ status: 204 }));
    await page.goto(`/#/agents/${agent.id}/tasks/${task.id}`);
    await expect.poll(() => page.getByTestId('task-status').textContent()).toBe('dead');
    await call(`/api/v1/agents/${agent.id}`, { method: 'PATCH', body: { status: 'active' } });
    await call(`/api/v1/agents/${agent.id}/tasks/${task.id}/retry`, { method: 'POST' });
    await expect
      .poll(async () => (await call(`/api/v1/agents/${agent.id}/tasks/${task.id}`)).status, POLL)
      .toBe('completed');
    await page.getByRole('button', { name: 'Retry' }).click();
    const alert = page.getByRole('alert').first();
    await expect.poll(() => alert.textContent()).toMatch(/task_not_retryable/);
    expect(await alert.textContent()).toMatch(/correlation id/);
    await expect.poll(() => page.getByTestId('task-status').textContent()).toBe('dead');
    await page.unroute('**/api/v1/events');

    await page.goto('/#/tasks');
    await expect.poll(() => statusOf(page, task.id)).toBe('completed');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
    expect(problems).toEqual([]);
    await context.close();
  });
});

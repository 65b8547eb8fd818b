import { describe, expect, it } from 'vitest';
import { retryDelayMs, taskMessage } from './task-job.ts';

describe('a task attempt', () => {
  it('waits a random time up to base x 2^(attempt - 1) before its retry, capped', () => {
    const settings = { baseDelayMs: 1_000, maxDelayMs: 5_000 };
    expect(retryDelayMs(1, settings, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, settings, () => 1)).toBe(4_000);
    expect(retryDelayMs(4, settings, () => 1)).toBe(5_000);
    expect(retryDelayMs(3, settings, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(3, settings, () => 0)).toBe(0);
  });

  it('gives the model the task type, its message when it has one, and its data', () => {
    expect(
      taskMessage({ taskType: 'email', taskData: { message: 'Where is my parcel?', from: 'a@b.c' } }),
    ).toBe('Task (email): Where is my parcel?\nTask data: {"message":"Where is my parcel?","from":"a@b.c"}');
    expect(taskMessage({ taskType: 'sync', taskData: { count: 3 } })).toBe(
      'Task (sync)\nTask data: {"count":3}',
    );
  });
});

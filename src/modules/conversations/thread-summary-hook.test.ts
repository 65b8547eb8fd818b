import { describe, expect, it } from 'vitest';
import type { Executor } from '../../platform/db/database.ts';
import type { EndedTurn } from '../execution/index.ts';
import { threadSummaryHook } from './thread-summary-hook.ts';

const tx = {} as Executor;

function endedTurn(thread: EndedTurn['thread'], overrides: Partial<EndedTurn> = {}): EndedTurn {
  return {
    principal: {
      organizationId: 'org-1',
      userId: 'user-1',
      apiKeyId: null,
      role: 'agent_user',
    } as EndedTurn['principal'],
    trigger: 'chat',
    agent: { id: 'agent-1', version: 1, threadWindow: 20, memoryEnabled: false },
    model: { provider: { id: 'offline', name: 'Offline', type: 'offline' }, modelId: 'agentry-offline' },
    runId: 'run-1',
    sessionId: 'session-1',
    sessionUserId: null,
    thread,
    status: 'completed',
    message: 'Hello',
    answer: 'Hi',
    structuredOutput: null,
    userMessageId: 'message-1',
    assistantMessageId: 'message-2',
    usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } as EndedTurn['usage'],
    costEstimate: null,
    error: null,
    ...overrides,
  };
}

describe('the thread summary hook', () => {
  it('applies once ten messages fell out of the window beyond what the summary covers', () => {
    const hook = threadSummaryHook({ send: async () => null });
    expect(hook.appliesTo?.(endedTurn({ messageCount: 29, summarizedCount: 0 }))).toBe(false);
    expect(hook.appliesTo?.(endedTurn({ messageCount: 30, summarizedCount: 0 }))).toBe(true);
    expect(hook.appliesTo?.(endedTurn({ messageCount: 39, summarizedCount: 10 }))).toBe(false);
    expect(hook.appliesTo?.(endedTurn(null, { sessionId: null }))).toBe(false);
    expect(hook.appliesTo?.(endedTurn({ messageCount: 90, summarizedCount: 0 }, { status: 'failed' }))).toBe(
      false,
    );
  });

  it('asks once per coverage while it remembers, and again once the coverage moved or time passed', async () => {
    let clock = 0;
    const sent: unknown[] = [];
    const hook = threadSummaryHook(
      {
        send: async (queue, data, options) => {
          sent.push({ queue, data, singletonKey: options?.singletonKey });
          return 'job-1';
        },
      },
      () => clock,
    );
    const turn = endedTurn({ messageCount: 32, summarizedCount: 0 });
    expect(hook.appliesTo?.(turn)).toBe(true);
    await hook.afterTurn?.(turn, tx);
    expect(sent).toEqual([
      {
        queue: 'thread-summaries',
        data: expect.objectContaining({ organizationId: 'org-1', sessionId: 'session-1', threadWindow: 20 }),
        singletonKey: 'session-1',
      },
    ]);
    // The job has not moved the coverage yet: later turns of the session do not ask again.
    expect(hook.appliesTo?.(endedTurn({ messageCount: 34, summarizedCount: 0 }))).toBe(false);
    // The summary now covers 12 messages, and 10 more fell out since.
    expect(hook.appliesTo?.(endedTurn({ messageCount: 42, summarizedCount: 12 }))).toBe(true);
    clock += 30_000;
    expect(hook.appliesTo?.(endedTurn({ messageCount: 36, summarizedCount: 0 }))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { Executor } from '../../platform/db/database.ts';
import type { EndedTurn } from '../execution/index.ts';
import { memoryHook } from './memory-hook.ts';

const tx = {} as Executor;
const offline = { provider: { id: 'offline', name: 'Offline', type: 'offline' }, modelId: 'agentry-offline' };
const provider = { provider: { id: 'p-1', name: 'Stub', type: 'openai_compatible' }, modelId: 'gpt-stub' };

function endedTurn(overrides: Partial<EndedTurn> = {}): EndedTurn {
  return {
    principal: {
      organizationId: 'org-1',
      userId: 'user-1',
      apiKeyId: null,
      role: 'agent_user',
    } as EndedTurn['principal'],
    trigger: 'chat',
    agent: { id: 'agent-1', version: 3, threadWindow: 20, memoryEnabled: true },
    model: offline,
    runId: 'run-1',
    sessionId: 'session-1',
    sessionUserId: 'customer-42',
    thread: { messageCount: 2, summarizedCount: 0 },
    status: 'completed',
    message: 'My favourite colour is teal.',
    answer: 'Teal it is.',
    structuredOutput: null,
    userMessageId: 'message-1',
    assistantMessageId: 'message-2',
    usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } as EndedTurn['usage'],
    costEstimate: null,
    error: null,
    ...overrides,
  };
}

describe('the memory hook', () => {
  const hook = memoryHook({ send: async () => null });

  it('applies to completed turns in a session of agents that use memory', () => {
    expect(hook.appliesTo?.(endedTurn())).toBe(true);
    expect(
      hook.appliesTo?.(endedTurn({ status: 'failed', userMessageId: null, assistantMessageId: null })),
    ).toBe(false);
    expect(hook.appliesTo?.(endedTurn({ status: 'cancelled' }))).toBe(false);
    expect(
      hook.appliesTo?.(
        endedTurn({ agent: { id: 'agent-1', version: 3, threadWindow: 20, memoryEnabled: false } }),
      ),
    ).toBe(false);
    expect(
      hook.appliesTo?.(
        endedTurn({
          sessionId: null,
          sessionUserId: null,
          thread: null,
          userMessageId: null,
          assistantMessageId: null,
        }),
      ),
    ).toBe(false);
  });

  it('learns from conversations only: not from tasks, analysis items or answers in a response schema', () => {
    expect(hook.appliesTo?.(endedTurn({ trigger: 'channel' }))).toBe(true);
    for (const trigger of ['task', 'analysis', 'test', 'api', 'mcp'] as const) {
      expect(hook.appliesTo?.(endedTurn({ trigger }))).toBe(false);
    }
    expect(hook.appliesTo?.(endedTurn({ structuredOutput: { colour: 'teal' } }))).toBe(false);
  });

  it('asks the offline model only for messages its patterns read, a provider’s for any statement', () => {
    expect(hook.appliesTo?.(endedTurn({ message: 'What is my favourite colour?' }))).toBe(false);
    expect(hook.appliesTo?.(endedTurn({ message: 'Thanks, that helps a lot.' }))).toBe(false);
    expect(hook.appliesTo?.(endedTurn({ model: provider, message: 'Thanks, that helps a lot.' }))).toBe(true);
    expect(
      hook.appliesTo?.(endedTurn({ model: provider, message: 'Hello! What are your opening hours?' })),
    ).toBe(false);
  });

  it('enqueues the job in the turn’s transaction, with ids rather than the exchange', async () => {
    const sent: unknown[] = [];
    const recording = memoryHook({
      send: async (queue, data, options) => {
        sent.push({ queue, data, tx: options?.tx });
        return 'job-1';
      },
    });
    await recording.afterTurn?.(endedTurn(), tx);
    expect(sent).toEqual([
      {
        queue: 'memory-extraction',
        data: {
          organizationId: 'org-1',
          agentId: 'agent-1',
          agentVersion: 3,
          sessionId: 'session-1',
          userId: 'customer-42',
          runId: 'run-1',
          userMessageId: 'message-1',
          assistantMessageId: 'message-2',
          role: 'agent_user',
          actingUserId: 'user-1',
          actingApiKeyId: null,
        },
        tx,
      },
    ]);
  });
});

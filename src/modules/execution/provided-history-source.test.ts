import { describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { assembleContext, type ContextSource } from './context-pipeline.ts';
import { providedHistorySource } from './provided-history-source.ts';
import { userMessageSource } from './user-message-source.ts';

const principal: Principal = { organizationId: 'org', role: 'agent_user', userId: null, apiKeyId: null };
const agentInstructions: ContextSource = {
  name: 'system_prompt',
  order: 100,
  collect: async () => [
    { source: 'system_prompt', placement: 'instructions', role: 'user', content: 'You are the agent.' },
  ],
};
const sources = [agentInstructions, providedHistorySource, userMessageSource];
const request = (maxContextSize: number) => ({
  principal,
  agent: { max_context_size: maxContextSize } as AgentView,
  session: null,
  message: 'And now?',
  history: [
    { role: 'system' as const, content: 'Answer in French.' },
    { role: 'user' as const, content: 'First question' },
    { role: 'assistant' as const, content: 'First answer' },
    { role: 'system' as const, content: '   ' },
    { role: 'user' as const, content: 'Second question' },
  ],
});

describe('providedHistorySource', () => {
  it('appends the caller’s system messages after the agent’s instructions and replays the rest before the message', async () => {
    const context = await assembleContext(sources, request(1_000));
    expect(context.instructions).toBe('You are the agent.\n\nAnswer in French.');
    expect(context.messages.map(({ role, content }) => [role, content])).toEqual([
      ['user', 'First question'],
      ['assistant', 'First answer'],
      ['user', 'Second question'],
      ['user', 'And now?'],
    ]);
  });

  it('drops the oldest provided messages first when over budget, never the instructions', async () => {
    const context = await assembleContext(sources, request(18));
    expect(context.instructions).toContain('Answer in French.');
    expect(context.dropped.map((message) => message.content)).toEqual(['First question', 'First answer']);
    expect(context.messages.map((message) => message.content)).toEqual(['Second question', 'And now?']);
  });

  it('contributes nothing without a provided history (sessions and tests)', async () => {
    const { history: _history, ...withoutHistory } = request(1_000);
    expect(await providedHistorySource.collect(withoutHistory)).toEqual([]);
  });
});

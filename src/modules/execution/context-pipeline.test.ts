import { describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import {
  assembleContext,
  type ContextPart,
  type ContextSource,
  estimateTokens,
  fitToBudget,
  inContextOrder,
} from './context-pipeline.ts';

const text = (tokens: number, label = 'x') => label.padEnd(tokens * 4, '.');
const part = (source: string, tokens: number, dropRank?: number, label = source): ContextPart => ({
  source,
  placement: source === 'instructions' ? 'instructions' : 'message',
  role: 'user',
  content: text(tokens, label),
  ...(dropRank === undefined ? {} : { dropRank }),
});

describe('estimateTokens', () => {
  it('counts four characters a token, rounding up', () => {
    expect([
      estimateTokens(''),
      estimateTokens('abc'),
      estimateTokens('abcd'),
      estimateTokens('abcde'),
    ]).toEqual([0, 1, 1, 2]);
  });
});

describe('fitToBudget', () => {
  it('keeps everything that fits', () => {
    const parts = [part('instructions', 10), part('thread', 10, 0), part('user', 5)];
    expect(fitToBudget(parts, 25)).toEqual({ kept: parts, dropped: [], estimatedTokens: 25 });
  });

  it('drops the lowest drop ranks first until the rest fits, and keeps the original order', () => {
    const oldest = part('thread', 10, 0, 'oldest');
    const middle = part('thread', 10, 1, 'middle');
    const newest = part('thread', 10, 2, 'newest');
    const parts = [part('instructions', 10), oldest, middle, newest, part('user', 5)];
    const fitted = fitToBudget(parts, 30);
    expect(fitted.dropped).toEqual([oldest, middle]);
    expect(fitted.kept.map((kept) => kept.content.split('.')[0])).toEqual(['instructions', 'newest', 'user']);
    expect(fitted.estimatedTokens).toBe(25);
  });

  it('ranks across sources: a lower rank goes first wherever it comes from', () => {
    const relevant = part('knowledge', 10, 5, 'relevant');
    const stale = part('thread', 10, 1, 'stale');
    const fitted = fitToBudget([relevant, stale, part('user', 1)], 15);
    expect(fitted.dropped).toEqual([stale]);
  });

  it('refuses when the parts that cannot be dropped alone exceed the budget', () => {
    expect(() => fitToBudget([part('instructions', 30), part('user', 10), part('thread', 1, 0)], 35)).toThrow(
      expect.objectContaining({ code: 'context_too_large', status: 400 }),
    );
  });
});

describe('assembleContext', () => {
  const principal: Principal = { organizationId: 'org', role: 'agent_user', userId: null, apiKeyId: null };
  const agent = { max_context_size: 1_000 } as AgentView;
  const source = (
    name: string,
    parts: Omit<ContextPart, 'source'>[],
    options: { order?: number; budgetShare?: number } = {},
  ): ContextSource => ({
    name,
    order: options.order ?? 0,
    ...(options.budgetShare === undefined ? {} : { budgetShare: options.budgetShare }),
    collect: async () => parts.map((item) => ({ ...item, source: name })),
  });

  it('runs the sources in order: instructions joined, messages in order, sections accounted', async () => {
    const context = await assembleContext(
      [
        source('system_prompt', [{ placement: 'instructions', role: 'user', content: 'Be kind.' }]),
        source('knowledge', [{ placement: 'instructions', role: 'user', content: 'Fact.', dropRank: 0 }]),
        source('thread', [
          { placement: 'message', role: 'assistant', content: 'Hello', dropRank: 0 },
          { placement: 'message', role: 'user', content: 'Hi', dropRank: 1 },
        ]),
        source('empty', []),
        source('user_message', [{ placement: 'message', role: 'user', content: 'Question?' }]),
      ],
      { principal, agent, session: null, message: 'Question?' },
    );
    expect(context.instructions).toBe('Be kind.\n\nFact.');
    expect(context.messages).toEqual([
      { role: 'assistant', content: 'Hello', source: 'thread', tokens: 2 },
      { role: 'user', content: 'Hi', source: 'thread', tokens: 1 },
      { role: 'user', content: 'Question?', source: 'user_message', tokens: 3 },
    ]);
    expect(context.sections).toEqual([
      { source: 'system_prompt', tokens: 2, included: true },
      { source: 'knowledge', tokens: 2, included: true },
      { source: 'thread', tokens: 3, included: true },
      { source: 'user_message', tokens: 3, included: true },
    ]);
    expect(context).toMatchObject({ budgetTokens: 1_000, estimatedTokens: 10, dropped: [] });
  });

  it('marks a section not included when all of it was dropped', async () => {
    const context = await assembleContext(
      [
        source('thread', [{ placement: 'message', role: 'user', content: text(600), dropRank: 0 }]),
        source('user_message', [{ placement: 'message', role: 'user', content: text(500) }]),
      ],
      { principal, agent, session: null, message: '' },
    );
    expect(context.sections).toEqual([
      { source: 'thread', tokens: 600, included: false },
      { source: 'user_message', tokens: 500, included: true },
    ]);
    expect(context.dropped).toHaveLength(1);
    expect(context.messages).toHaveLength(1);
  });

  it('gives a source with a budget share no more than its share of the budget, its best parts first', async () => {
    const knowledge = [0, 1, 2, 3].map((rank) => ({
      placement: 'instructions' as const,
      role: 'user' as const,
      content: text(100, `passage${rank}`),
      dropRank: rank,
    }));
    const context = await assembleContext(
      [
        source('knowledge', knowledge, { budgetShare: 0.25 }),
        source('thread', [{ placement: 'message', role: 'user', content: text(100, 'old'), dropRank: 0 }]),
        source('user_message', [{ placement: 'message', role: 'user', content: text(10) }]),
      ],
      { principal, agent, session: null, message: '' },
    );
    // 25% of 1,000 tokens holds two passages of 100: the two highest ranks stay, though the whole
    // context would have fitted; the thread is not cut for the knowledge's sake.
    expect(context.instructions.split('\n\n').map((part) => part.split('.')[0])).toEqual([
      'passage2',
      'passage3',
    ]);
    expect(context.messages.map((message) => message.source)).toEqual(['thread', 'user_message']);
    expect(context.dropped.map((message) => message.content.split('.')[0])).toEqual(['passage0', 'passage1']);
  });
});

describe('inContextOrder', () => {
  it('places sources by their order, and equal orders in the order they were registered', () => {
    const named = (name: string, order: number): ContextSource => ({ name, order, collect: () => [] });
    expect(
      inContextOrder([
        named('user', 1_000),
        named('memory', 400),
        named('prompt', 100),
        named('knowledge', 400),
      ]).map((source) => source.name),
    ).toEqual(['prompt', 'memory', 'knowledge', 'user']);
  });
});

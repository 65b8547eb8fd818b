import { describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import { assembleContext } from './context-pipeline.ts';
import { threadSource, threadSummarySource } from './thread-source.ts';
import { extractiveSummary, THREAD_SUMMARY_MAX_CHARACTERS } from './thread-summarizer.ts';
import { userMessageSource } from './user-message-source.ts';

describe('extractiveSummary (the offline model)', () => {
  it('writes one line a message, its first sentence on one line, after the previous lines', () => {
    expect(
      extractiveSummary('user: Earlier.', [
        { role: 'user', content: '  My order 1042\narrived damaged!  Can you help? ' },
        { role: 'assistant', content: 'Sorry to hear that. Send a photo.' },
        { role: 'user', content: '   ' },
        { role: 'assistant', content: 'No full stop here' },
      ]),
    ).toBe(
      'user: Earlier.\nuser: My order 1042 arrived damaged!\nassistant: Sorry to hear that.\nassistant: No full stop here',
    );
  });

  it('bounds each sentence to 160 characters and the summary to 2,000, dropping the oldest lines', () => {
    const [line] = extractiveSummary(null, [{ role: 'user', content: `${'word '.repeat(60)}end.` }]).split(
      '\n',
    );
    expect(line).toBe(`user: ${'word '.repeat(32).trim()}…`);
    expect(Array.from((line as string).replace('user: ', ''))).toHaveLength(160);

    const messages = Array.from({ length: 100 }, (_, index) => ({
      role: 'user' as const,
      content: `Message number ${index} is here.`,
    }));
    const summary = extractiveSummary(null, messages);
    expect(summary.length).toBeLessThanOrEqual(THREAD_SUMMARY_MAX_CHARACTERS);
    expect(summary.split('\n').at(-1)).toBe('user: Message number 99 is here.');
    expect(summary).not.toContain('Message number 0 ');
    // Adding more keeps it bounded and the newest lines in.
    const next = extractiveSummary(summary, [{ role: 'assistant', content: 'Last one.' }]);
    expect(next.length).toBeLessThanOrEqual(THREAD_SUMMARY_MAX_CHARACTERS);
    expect(next.split('\n').slice(-2)).toEqual(['user: Message number 99 is here.', 'assistant: Last one.']);
  });
});

describe('the thread summary in the context', () => {
  const request = (maxContextSize: number) => ({
    principal: { organizationId: 'org', role: 'agent_user' as const, userId: null, apiKeyId: null },
    agent: { max_context_size: maxContextSize } as AgentView,
    session: {
      id: 'session',
      created: false,
      history: [
        { role: 'user' as const, content: 'Question 7' },
        { role: 'assistant' as const, content: 'Answer 7' },
      ],
      summary: { content: 'user: Question 1.', messageCount: 12 },
    },
    message: 'Question 8',
  });
  const sources = [threadSummarySource, threadSource, userMessageSource];

  it('comes right ahead of the window, as a user message', async () => {
    const context = await assembleContext(sources, request(1_000));
    expect(context.messages.map(({ source, role }) => [source, role])).toEqual([
      ['thread_summary', 'user'],
      ['thread', 'user'],
      ['thread', 'assistant'],
      ['user_message', 'user'],
    ]);
    expect(context.messages[0]?.content).toBe(
      'Summary of the earlier conversation (its 12 oldest messages, no longer shown):\nuser: Question 1.',
    );
  });

  it('is dropped before any message of the window when over budget', async () => {
    const context = await assembleContext(sources, request(12));
    expect(context.dropped.map((message) => message.source)).toEqual(['thread_summary']);
    expect(context.messages.map((message) => message.source)).toEqual(['thread', 'thread', 'user_message']);
  });

  it('adds nothing without a summary', async () => {
    const context = await assembleContext(sources, {
      ...request(1_000),
      session: { ...request(1_000).session, summary: null },
    });
    expect(context.messages.map((message) => message.source)).not.toContain('thread_summary');
  });
});

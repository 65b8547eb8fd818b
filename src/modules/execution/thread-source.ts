import { type ContextPart, type ContextSource, contextOrder } from './context-pipeline.ts';

/**
 * The last `memory.thread_window` messages of the session, oldest first, as the turn's planning
 * step read them with the session, preceded by those that fell out of the window but no summary
 * covers yet (a bounded backlog: docs/conversations.md, Thread summaries). Over budget, the oldest
 * are dropped first. Stored system and tool messages are not replayed: only trusted server code
 * writes instructions, and tool results live in the run that produced them.
 */
export const threadSource: ContextSource = {
  name: 'thread',
  order: contextOrder.thread,
  collect: ({ session }) =>
    (session?.history ?? []).map(
      (message, index): ContextPart => ({
        source: 'thread',
        placement: 'message',
        role: message.role,
        content: message.content,
        dropRank: index,
      }),
    ),
};

/**
 * The summary of the messages that fell out of the thread window, read with the session, right
 * ahead of the window. It is a user message rather than part of the instructions: it retells what
 * users wrote, which must not gain the authority of the system prompt. It covers the oldest part
 * of the conversation, so over budget it is dropped before any message of the window.
 */
export const threadSummarySource: ContextSource = {
  name: 'thread_summary',
  order: contextOrder.threadSummary,
  collect({ session }) {
    const summary = session?.summary;
    if (!summary) return [];
    return [
      {
        source: 'thread_summary',
        placement: 'message',
        role: 'user',
        content: `Summary of the earlier conversation (its ${summary.messageCount} oldest messages, no longer shown):\n${summary.content}`,
        dropRank: -1,
      },
    ];
  },
};

import type { Conversations } from '../conversations/index.ts';
import type { ContextPart, ContextSource } from './context-pipeline.ts';

/**
 * The last `memory.thread_window` messages of the session, oldest first. Over budget, the oldest
 * are dropped first. Stored system and tool messages are not replayed: only trusted server code
 * writes instructions, and tool results live in the run that produced them.
 */
export function threadSource(conversations: Pick<Conversations, 'recentMessages'>): ContextSource {
  return {
    name: 'thread',
    async collect({ principal, agent, sessionId }) {
      if (!sessionId) return [];
      // The turn (or preview) opened the session for this request: it is not checked again.
      const recent = await conversations.recentMessages(principal, sessionId, agent.memory.thread_window, {
        sessionChecked: true,
      });
      return recent.flatMap((message, index): ContextPart[] =>
        message.role === 'user' || message.role === 'assistant'
          ? [
              {
                source: 'thread',
                placement: 'message',
                role: message.role,
                content: message.content,
                dropRank: index,
              },
            ]
          : [],
      );
    },
  };
}

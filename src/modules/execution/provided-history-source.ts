import { type ContextPart, type ContextSource, contextOrder } from './context-pipeline.ts';

/**
 * The conversation a caller sends with its request instead of a session (the OpenAI-compatible
 * facade: the client holds the history). Its system messages are appended to the agent's
 * instructions, never replacing them; its user and assistant messages come before the turn's
 * message, and over budget the oldest are dropped first, as a session's thread would be.
 */
export const providedHistorySource: ContextSource = {
  name: 'provided_history',
  order: contextOrder.providedHistory,
  collect({ history }) {
    return (history ?? []).flatMap((message, index): ContextPart[] => {
      if (!message.content.trim()) return [];
      if (message.role === 'system') {
        return [
          {
            source: 'caller_instructions',
            placement: 'instructions',
            role: 'user',
            content: message.content,
          },
        ];
      }
      return [
        {
          source: 'provided_history',
          placement: 'message',
          role: message.role,
          content: message.content,
          dropRank: index,
        },
      ];
    });
  },
};

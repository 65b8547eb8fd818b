import { type ContextSource, contextOrder } from './context-pipeline.ts';

/** The message of this turn: always last, never dropped. */
export const userMessageSource: ContextSource = {
  name: 'user_message',
  order: contextOrder.userMessage,
  collect: ({ message }) => [
    { source: 'user_message', placement: 'message', role: 'user', content: message },
  ],
};

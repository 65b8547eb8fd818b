import type { ContextSource } from './context-pipeline.ts';

/** The message of this turn: always last, never dropped. */
export const userMessageSource: ContextSource = {
  name: 'user_message',
  async collect({ message }) {
    return [{ source: 'user_message', placement: 'message', role: 'user', content: message }];
  },
};

import { type ContextPart, type ContextSource, contextOrder } from './context-pipeline.ts';

/**
 * The last `memory.thread_window` messages of the session, oldest first, as the turn's planning
 * step read them with the session. Over budget, the oldest are dropped first. Stored system and
 * tool messages are not replayed: only trusted server code writes instructions, and tool results
 * live in the run that produced them.
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

import { type ContextSource, contextOrder } from './context-pipeline.ts';

/** The agent's `initial_context`: background every turn starts from, after the system prompt. */
export const initialContextSource: ContextSource = {
  name: 'initial_context',
  order: contextOrder.initialContext,
  collect({ agent }) {
    const text = agent.initial_context?.trim();
    if (!text) return [];
    return [
      {
        source: 'initial_context',
        placement: 'instructions',
        role: 'user',
        content: `# Background\n${text}`,
      },
    ];
  },
};

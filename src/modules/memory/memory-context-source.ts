import { type ContextPart, type ContextSource, contextOrder, type TurnHook } from '../execution/index.ts';
import type { RecallRecorder } from './memory-access.ts';
import { recallNamespaces } from './memory-namespaces.ts';
import type { MemoryPresence } from './memory-presence.ts';
import type { MemoryRecall } from './memory-recall.ts';
import { rounded } from './memory-scoring.ts';
import type { MemoryScope } from './memory-tables.ts';

/** The source's name: the parts it adds and the references the run records carry it. */
export const MEMORY_SOURCE = 'memory';
/** The share of an agent's max_context_size its memories may take. */
export const MEMORY_BUDGET_SHARE = 0.2;

/** How the model is told where a memory comes from. */
const lead: Record<MemoryScope, string> = {
  agent: 'What you remember:',
  user: 'What you remember about this user:',
  thread: 'What you remember from this conversation:',
};
const HEADING = '# Memory';

export interface MemorySourceOptions {
  recall: MemoryRecall;
  recorder: RecallRecorder;
  presence: Pick<MemoryPresence, 'has'>;
}

/**
 * The memory context source (seed 001 phase 3, DESIGN section 6): for an agent with
 * use_memory_context, the `memory.k` memories that score best for the user's message, from the
 * agent's namespace, the session's end user's and the session's own. Each is an instruction part
 * whose reference (memory id, namespace, scope, kind, score) the run records; the best is dropped
 * last when the context is too large. The hook reinforces the memories a turn was actually given
 * (not a preview's), off the turn's critical path.
 */
export function createMemorySource({ recall, recorder, presence }: MemorySourceOptions) {
  const source: ContextSource = {
    name: MEMORY_SOURCE,
    order: contextOrder.memory,
    budgetShare: MEMORY_BUDGET_SHARE,
    async collect({ principal, agent, session, message }): Promise<ContextPart[]> {
      if (!agent.use_memory_context) return [];
      if (!(await presence.has(principal.organizationId, agent.id))) return [];
      const namespaces = recallNamespaces(principal.organizationId, agent.id, {
        userId: session?.userId,
        sessionId: session?.id,
      });
      const { memories: recalled } = await recall(principal, {
        agentId: agent.id,
        namespaces,
        query: message,
        k: agent.memory.k,
        weights: agent.memory,
      });
      return recalled.map(({ memory, score }, index) => ({
        source: MEMORY_SOURCE,
        placement: 'instructions',
        role: 'user',
        content: `${index === 0 ? `${HEADING}\n` : ''}${lead[memory.scope]} ${memory.content}`,
        dropRank: recalled.length - index,
        reference: {
          memory_id: memory.id,
          namespace: memory.namespace,
          scope: memory.scope,
          kind: memory.kind,
          score: rounded(score),
        },
      }));
    },
  };

  const hook: TurnHook = {
    name: 'memory-recall',
    beforeModelCall({ principal, context }) {
      const memoryIds = context.references
        .filter((reference) => reference.source === MEMORY_SOURCE && typeof reference.memory_id === 'string')
        .map((reference) => reference.memory_id as string);
      recorder.record({ organizationId: principal.organizationId, memoryIds, at: new Date() });
    },
  };

  return { source, hook };
}

import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { type ContextPart, type ContextSource, contextOrder } from '../execution/index.ts';
import type { AgentContextAccess } from './agent-context-access.ts';
import type { ReadableContext } from './context-repository.ts';

const SOURCE = 'shared_contexts';
/** After the system prompt, before the initial context: the agent's live state ahead of static background. */
export const SHARED_CONTEXT_ORDER = (contextOrder.systemPrompt + contextOrder.initialContext) / 2;
/** The largest share of max_context_size the contexts may take; past it the least recently written go. */
export const SHARED_CONTEXT_BUDGET_SHARE = 0.25;
/** Contexts given to the model at most, the most recently written. */
export const MAX_INJECTED_CONTEXTS = 20;
/** One context's JSON is cut past this many characters; read_context returns it whole. */
export const MAX_INJECTED_CHARS = 8_000;
/** Agents whose "has no contexts" is remembered per process. */
const CACHED_AGENTS = 10_000;

function partOf(readable: ReadableContext, rank: number): ContextPart {
  const { context, data } = readable;
  const json = JSON.stringify(data);
  const shown =
    json.length > MAX_INJECTED_CHARS
      ? `${json.slice(0, MAX_INJECTED_CHARS)}… [cut at ${MAX_INJECTED_CHARS} characters: read_context returns it whole]`
      : json;
  return {
    source: SOURCE,
    placement: 'instructions',
    role: 'user',
    // The name and data as JSON: one line whatever they hold, so they cannot open a section of the prompt.
    content: `Shared context ${JSON.stringify(context.name)} (version ${context.currentVersion}): ${shown}`,
    dropRank: rank,
    reference: { context_id: context.id, name: context.name, version: context.currentVersion },
  };
}

/**
 * The shared-contexts source: every turn's instructions carry the agent's own contexts and those
 * shared with it, each as one droppable line with a reference (so the run records the versions
 * the model saw). Most agents have none: that is remembered per process, and forgotten on any
 * context event of the organization, so their turns cost no query.
 */
export function createSharedContextSource(access: AgentContextAccess) {
  const hasContexts = createInvalidatingCache<boolean>(CACHED_AGENTS);

  const source: ContextSource = {
    name: SOURCE,
    order: SHARED_CONTEXT_ORDER,
    budgetShare: SHARED_CONTEXT_BUDGET_SHARE,
    async collect({ principal, agent }) {
      const read = () => access.readable(principal, agent.id, { limit: MAX_INJECTED_CONTEXTS });
      let loaded: ReadableContext[] | undefined;
      const present = await hasContexts.get(principal.organizationId, agent.id, async () => {
        loaded = await read();
        return loaded.length > 0;
      });
      if (!present) return [];
      const contexts = loaded ?? (await read());
      // Most recently written first: they get the highest ranks and are dropped last.
      return contexts.map((readable, index) => partOf(readable, contexts.length - index));
    },
  };

  const watcher: EventWatcher = {
    event(event) {
      if (event.type.startsWith('context-')) hasContexts.invalidateGroup(event.organization_id);
    },
    gap: () => hasContexts.clear(),
  };

  return {
    source,
    watcher,
    /** Drops the organization's entries at once in the process that changed a context. */
    forget: (organizationId: string) => hasContexts.invalidateGroup(organizationId),
  };
}

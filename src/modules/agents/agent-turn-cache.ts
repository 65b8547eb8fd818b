import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import { inScopeProject } from '../../platform/db/tenant-scope.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { ForbiddenError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import type { AgentConfig } from './agent-config.ts';
import type { AgentView } from './agent-schemas.ts';

/** Agents a process keeps ready for turns; the least recently used is forgotten first. */
export const AGENT_CACHE_SIZE = 10_000;

/** The agent events after which a cached agent is stale. */
const changes = new Set(['agent-updated', 'agent-deleted']);

/**
 * The agents as turns run them, cached per process: a turn reads no agent row. Invalidated by the
 * agent's own change events: at once in the process that made the change (`forget`, after its
 * commit), and in every other process when the event arrives (`watcher`); an event too large to
 * name its agent drops the organization's agents, and a gap in the events drops them all.
 */
export function createAgentTurnCache(
  load: (principal: Principal, agentId: string) => Promise<AgentView>,
  loadVersion: (principal: Principal, agentId: string, version: number) => Promise<AgentConfig>,
) {
  const cache = createInvalidatingCache<AgentView>(AGENT_CACHE_SIZE);
  // Versions never change: cached without invalidation (an agent's deletion is its view's status).
  const versions = createInvalidatingCache<AgentConfig>(AGENT_CACHE_SIZE);
  const watcher: EventWatcher = {
    event(event) {
      if (!changes.has(event.type)) return;
      const agentId = event.data.agent_id;
      if (typeof agentId === 'string') cache.invalidate(event.organization_id, agentId);
      else cache.invalidateGroup(event.organization_id);
    },
    gap: () => cache.clear(),
  };
  // Cached per organization: a project-scoped caller may meet another project's agent here (403, as `load` answers).
  const get = async (principal: Principal, agentId: string) => {
    const agent = await cache.get(principal.organizationId, agentId, () => load(principal, agentId));
    if (!inScopeProject(principal, agent.project_id)) throw new ForbiddenError();
    return agent;
  };
  return {
    get,
    /**
     * The agent as a turn pinned to `version` runs it: that version's configuration, with the
     * agent's current identity and status (a deleted or inactive agent runs at no version).
     */
    async atVersion(principal: Principal, agentId: string, version: number): Promise<AgentView> {
      const current = await get(principal, agentId);
      if (current.version === version) return current;
      const configuration = await versions.get(principal.organizationId, `${agentId}@${version}`, () =>
        loadVersion(principal, agentId, version),
      );
      return { ...current, ...configuration, version };
    },
    forget: (organizationId: string, agentId: string) => cache.invalidate(organizationId, agentId),
    watcher,
  };
}

import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { TurnRegistry } from '../execution/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createAgentContextAccess } from './agent-context-access.ts';
import { contextRoutes } from './context-routes.ts';
import { createContextService, type RequireAgent } from './context-service.ts';
import { contextShareRoutes } from './context-share-routes.ts';
import { createContextShareService } from './context-share-service.ts';
import { createSharedContextSource } from './context-source.ts';
import { contextToolProvider } from './context-tools.ts';
import { createContextWrites } from './context-writes.ts';

export { contextProjectMembers } from './context-project-members.ts';
export { moveAgentContexts as contextsFollowAgent } from './context-repository.ts';
export { contextName } from './context-schemas.ts';
export type { ContextService } from './context-service.ts';

export interface ContextsOptions {
  db: Database;
  guard: AccessGuard;
  events: Pick<EventBus, 'publish' | 'watch'>;
  turnRegistry: TurnRegistry;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: RequireAgent;
  /** AGENT_CONTEXT_HISTORY_LIMIT: versions retained per context. */
  historyLimit: number;
}

/**
 * Shared contexts (seed 002, docs/contexts.md): named JSON documents an agent owns, versioned and
 * shareable with the organization's other agents, injected into their turns' instructions and
 * read and written by their read_context and write_context tools.
 */
export async function registerContexts(app: FastifyInstance, options: ContextsOptions) {
  const { db, events, requireAgent } = options;
  const writes = createContextWrites({
    db,
    events,
    historyLimit: options.historyLimit,
    onChanged: (organizationId) => shared.forget(organizationId),
  });
  const access = createAgentContextAccess({ db, writes, requireAgent });
  const shared = createSharedContextSource(access);
  events.watch(shared.watcher);
  options.turnRegistry.addContextSource(shared.source);
  options.turnRegistry.addToolProvider(contextToolProvider(access));

  const contexts = createContextService({ db, writes, events, requireAgent });
  const shares = createContextShareService({ db, writes, events, requireAgent });
  await app.register(contextRoutes(contexts, options.guard), { prefix: '/api/v1' });
  await app.register(contextShareRoutes(shares, options.guard), { prefix: '/api/v1' });
  return { contexts };
}

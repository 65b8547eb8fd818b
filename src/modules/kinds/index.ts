import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { type KindLoadingSettings, loadAgentKinds } from './kind-loading.ts';
import { kindRoutes } from './kind-routes.ts';
import { createKindService } from './kind-service.ts';

export { AgentKind, type KindAgent, type LifecycleHook } from './agent-kind.ts';
export { builtinKindRegistry, type KindLoadingSettings, loadAgentKinds } from './kind-loading.ts';
export { KindModuleError } from './kind-modules.ts';
export { listAgentDefinitions, setAgentDefinitionEnabled } from './kind-operator.ts';
export type { KindRegistrar } from './kind-registry.ts';
export { createKindService } from './kind-service.ts';

/**
 * The registry of agent kinds (docs/agent-kinds.md): loads the built-in kinds and those of
 * AGENT_REGISTRY_MODULES, records them in agent_definitions, serves them read-only, and returns the
 * port the agents module checks kinds and runs lifecycle hooks through.
 */
export async function registerKinds(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    events: Pick<EventBus, 'watch'>;
    settings: KindLoadingSettings;
  },
) {
  const registry = await loadAgentKinds(options.db, options.settings, ({ module, reason }) =>
    app.log.error(
      { agent_kind_module: module, reason, on_error: options.settings.onError },
      'agent kind module not loaded',
    ),
  );
  const service = createKindService({ db: options.db, registry, log: app.log });
  options.events.watch(service.watcher);
  await app.register(kindRoutes(service, options.guard), { prefix: '/api/v1' });
  return { kinds: service.port };
}

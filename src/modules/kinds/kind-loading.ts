import type { Executor } from '../../platform/db/database.ts';
import { registerBuiltinKinds } from './builtin-kinds.ts';
import { type KindModuleFailurePolicy, type KindModuleProblem, loadKindModules } from './kind-modules.ts';
import { createKindRegistry, type KindRegistry } from './kind-registry.ts';
import { upsertDefinitions } from './kind-repository.ts';

export interface KindLoadingSettings {
  /** AGENT_REGISTRY_MODULES: module specifiers or paths, resolved from the working directory. */
  modules: readonly string[];
  /** AGENT_REGISTRY_ON_ERROR. */
  onError: KindModuleFailurePolicy;
}

/** The built-in kinds alone (tests below the HTTP layer). */
export function builtinKindRegistry(): KindRegistry {
  const registry = createKindRegistry();
  registerBuiltinKinds(registry);
  return registry;
}

/**
 * What a process does at start: the built-in kinds, then the configured modules' (a module that
 * fails is reported, then skipped or fatal), recorded in agent_definitions.
 */
export async function loadAgentKinds(
  db: Executor,
  settings: KindLoadingSettings,
  report: (problem: KindModuleProblem) => void,
): Promise<KindRegistry> {
  const registry = builtinKindRegistry();
  await loadKindModules(registry, settings.modules, { onError: settings.onError, report });
  await upsertDefinitions(
    db,
    registry.list().map(({ kind, source }) => ({
      slug: kind.slug,
      name: kind.name,
      agentType: kind.agentType,
      description: kind.description ?? null,
      capabilities: [...(kind.capabilities ?? [])],
      configSchema: kind.configSchema,
      metadata: kind.metadata ?? {},
      source,
    })),
  );
  return registry;
}

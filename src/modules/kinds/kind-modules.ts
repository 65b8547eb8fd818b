import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../config.ts';
import type { KindRegistrar, KindRegistry } from './kind-registry.ts';

/** What to do with a module of AGENT_REGISTRY_MODULES that cannot be loaded. */
export type KindModuleFailurePolicy = 'fail' | 'skip';

/** A module that was not loaded, and why (reported as one log line). */
export interface KindModuleProblem {
  module: string;
  reason: string;
}

/** A module of AGENT_REGISTRY_MODULES could not be loaded, with AGENT_REGISTRY_ON_ERROR=fail. */
export class KindModuleError extends ConfigError {}

const isPath = (entry: string, cwd: string) =>
  entry.startsWith('.') || entry.startsWith('file:') || isAbsolute(entry) || existsSync(join(cwd, entry));

/** A path (relative to `cwd`, or absolute) or a package resolvable from `cwd`, as a URL to import. */
function urlOf(entry: string, cwd: string): string {
  if (entry.startsWith('file:')) return entry;
  if (isPath(entry, cwd)) {
    const path = resolve(cwd, entry);
    if (!existsSync(path)) throw new Error(`no file ${path}`);
    return pathToFileURL(path).href;
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(entry)).href;
  } catch {
    throw new Error(`no file or package of that name is found from ${cwd}`);
  }
}

type Registration = (registry: KindRegistrar) => unknown;

/** The module's `registerAgentKinds`, or its default export when that is a function. */
function registrationOf(exports: Record<string, unknown>): Registration {
  const candidate = exports.registerAgentKinds ?? exports.default;
  if (typeof candidate !== 'function') {
    throw new Error('exports no registerAgentKinds(registry) function (named or default)');
  }
  return candidate as Registration;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Loads the modules of AGENT_REGISTRY_MODULES in order, each calling `registerAgentKinds(registry)`.
 * A module that cannot be found, throws, exports no such function, or registers an invalid kind (or
 * a slug already taken) adds none of its kinds: it is reported, then skipped or, with the `fail`
 * policy, stops the start with `KindModuleError`.
 */
export async function loadKindModules(
  registry: Pick<KindRegistry, 'staged'>,
  modules: readonly string[],
  options: {
    onError: KindModuleFailurePolicy;
    report: (problem: KindModuleProblem) => void;
    cwd?: string;
  },
): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  for (const module of modules) {
    const stage = registry.staged(module);
    try {
      const exports = (await import(urlOf(module, cwd))) as Record<string, unknown>;
      await registrationOf(exports)(stage.registrar);
      stage.commit();
    } catch (error) {
      const reason = reasonOf(error);
      options.report({ module, reason });
      if (options.onError === 'fail') {
        throw new KindModuleError(
          `AGENT_REGISTRY_MODULES: the module ${module} cannot be loaded: ${reason} ` +
            '(set AGENT_REGISTRY_ON_ERROR=skip to start without it)',
          { cause: error },
        );
      }
    }
  }
}

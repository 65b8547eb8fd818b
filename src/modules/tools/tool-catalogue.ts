import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { AgentTool, ToolProvider, TurnRegistry } from '../execution/index.ts';
import type { ToolNameCheck } from './tool-contracts.ts';
import { findToolsNamed } from './tool-repository.ts';

/** A tool another module offers through the turn registry (built-in, contexts', an embedder's). */
export interface OfferedTool {
  tool: AgentTool;
  /** The provider's name on the registry. */
  providedBy: string;
}

/**
 * The organization's whole catalogue as agents see it: the tools every other provider of the turn
 * registry offers (read-only here: "built-in") beside the stored ones of `stored`.
 */
export function createToolCatalogue(options: { db: Database; registry: TurnRegistry; stored: ToolProvider }) {
  const others = () => options.registry.toolProviders().filter((provider) => provider !== options.stored);

  /** Every other provider's tools for the scope; of two with one name, the first provider's (as in a turn). */
  async function offeredTools(scope: TenantScope): Promise<OfferedTool[]> {
    const providers = others();
    const offered = await Promise.all(providers.map((provider) => provider.toolsFor(scope)));
    const byName = new Map<string, OfferedTool>();
    offered.forEach((tools, index) => {
      const providedBy = providers[index]?.name ?? '';
      for (const tool of tools) if (!byName.has(tool.name)) byName.set(tool.name, { tool, providedBy });
    });
    return [...byName.values()];
  }

  const checkToolNames: ToolNameCheck = async (scope, names) => {
    const wanted = [...new Set(names)];
    const [offered, stored] = await Promise.all([
      offeredTools(scope),
      findToolsNamed(options.db, scope, wanted),
    ]);
    const usable = new Set([
      ...offered.map(({ tool }) => tool.name),
      ...stored.filter((row) => row.usable).map((row) => row.name),
    ]);
    const present = new Set(stored.map((row) => row.name));
    const missing = wanted.filter((name) => !usable.has(name));
    return {
      unknown: missing.filter((name) => !present.has(name)),
      disabled: missing.filter((name) => present.has(name)),
    };
  };

  return { offeredTools, checkToolNames };
}

export type ToolCatalogue = ReturnType<typeof createToolCatalogue>;

import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { AgentTool, ToolProvider } from './agent-tool.ts';

/**
 * The agent's tools for one turn, in the order its `tools[]` names them: every provider is asked
 * (concurrently) what it offers the principal's organization, and an unknown name is a warning,
 * not a failure. The first provider to offer a name wins it.
 */
export async function toolsForTurn(
  providers: readonly ToolProvider[],
  principal: Principal,
  agent: AgentView,
): Promise<{ tools: AgentTool[]; warnings: string[] }> {
  if (agent.tools.length === 0) return { tools: [], warnings: [] };
  const offered = await Promise.all(providers.map((provider) => provider.toolsFor(principal)));
  const byName = new Map<string, AgentTool>();
  for (const tool of offered.flat()) if (!byName.has(tool.name)) byName.set(tool.name, tool);
  const tools: AgentTool[] = [];
  const warnings: string[] = [];
  for (const name of new Set(agent.tools)) {
    const tool = byName.get(name);
    if (tool) tools.push(tool);
    else warnings.push(`Unknown tool "${name}" ignored`);
  }
  return { tools, warnings };
}

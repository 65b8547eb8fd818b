import type { Page } from '../../platform/db/pagination.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { TurnEngine } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { type AskableAgent, askAgentTool } from './ask-agent-tool.ts';
import type { CatalogTool } from './catalog-tool.ts';
import {
  type AssignedTask,
  type ExecuteAssignment,
  runTaskTool,
  type TaskDefinition,
} from './run-task-tool.ts';
import { askToolName, runToolName, uniqueNames } from './tool-names.ts';

const PAGE_SIZE = 200;

type PageOfItems<T> = Promise<{ items: T[]; total: number }>;

export interface ToolCatalogDependencies {
  /** The caller's agents (a project-scoped key: its project's), from the agents module. */
  agents: {
    list(principal: Principal, filters: { status: 'active' }, page: Page): PageOfItems<AgentView>;
  };
  turns: Pick<TurnEngine, 'run'>;
  /** Assignments, their definitions and their execution, from the definitions module. */
  tasks: {
    listAssignments(
      principal: Principal,
      filters: { activeOnly: true },
      page: Page,
    ): PageOfItems<AssignedTask>;
    requireDefinition(principal: Principal, definitionId: string): Promise<TaskDefinition>;
    executeAssignment: ExecuteAssignment;
  };
}

async function everyPage<T>(pageAt: (page: Page) => PageOfItems<T>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await pageAt({ limit: PAGE_SIZE, offset });
    items.push(...page.items);
    if (page.items.length === 0 || offset + page.items.length >= page.total) return items;
  }
}

/**
 * Oldest first (then by id, for a tie), so that the first of two namesakes keeps its plain name
 * (tool-names.ts). The times are ISO-8601 in UTC: their text sorts as they do.
 */
const oldestFirst = <T extends { id: string }>(items: T[], createdAt: (item: T) => string) =>
  items.toSorted(
    (first, second) => createdAt(first).localeCompare(createdAt(second)) || first.id.localeCompare(second.id),
  );

/**
 * The caller's tools: `ask_<agent>` for each active agent it may see, and
 * `run_<definition>_<agent>` for each active assignment of an active definition to one of them.
 * Read afresh for every MCP request (an MCP client lists once and calls many times; each call
 * resolves its name against the catalog of that moment), so that a change to an agent or an
 * assignment shows at once in every process.
 */
export function createToolCatalog({ agents, turns, tasks }: ToolCatalogDependencies) {
  /** The active definitions among `ids`; one removed meanwhile is simply left out. */
  async function activeDefinitions(principal: Principal, ids: Set<string>) {
    const found = await Promise.all(
      [...ids].map((id) =>
        tasks.requireDefinition(principal, id).catch((error: unknown) => {
          if (error instanceof AppError && (error.status === 404 || error.status === 403)) return null;
          throw error;
        }),
      ),
    );
    return new Map(
      found.flatMap((definition) => (definition?.is_active ? [[definition.id, definition] as const] : [])),
    );
  }

  return async function catalogFor(principal: Principal): Promise<Map<string, CatalogTool>> {
    const [agentList, assignmentList] = await Promise.all([
      everyPage((page) => agents.list(principal, { status: 'active' }, page)),
      everyPage((page) => tasks.listAssignments(principal, { activeOnly: true }, page)),
    ]);
    const askable = new Map<string, AskableAgent>(
      oldestFirst(agentList, (agent) => agent.created_at).map((agent) => [agent.id, agent]),
    );
    const assigned = oldestFirst(
      assignmentList.filter((assignment) => askable.has(assignment.agent_id)),
      (assignment) => assignment.assigned_at,
    );
    const definitions = await activeDefinitions(
      principal,
      new Set(assigned.map((assignment) => assignment.task_definition_id)),
    );
    const runnable = assigned.flatMap((assignment) => {
      const definition = definitions.get(assignment.task_definition_id);
      const agent = askable.get(assignment.agent_id);
      return definition && agent ? [{ assignment, definition, agentName: agent.name }] : [];
    });

    const names = uniqueNames([
      ...[...askable.values()].map((agent) => ({ name: askToolName(agent.name), id: agent.id })),
      ...runnable.map((task) => ({
        name: runToolName(task.definition.name, task.agentName),
        id: task.assignment.id,
      })),
    ]);
    const tools = [
      ...[...askable.values()].map((agent, index) =>
        askAgentTool(principal, agent, names[index] as string, turns),
      ),
      ...runnable.map((task, index) =>
        runTaskTool(principal, task, names[askable.size + index] as string, tasks.executeAssignment),
      ),
    ];
    return new Map(tools.map((tool) => [tool.tool.name, tool]));
  };
}

export type ToolCatalog = ReturnType<typeof createToolCatalog>;

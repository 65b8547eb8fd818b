import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../tenancy/index.ts';
import { bounded, type CatalogTool } from './catalog-tool.ts';
import { taskArguments, taskInputSchema } from './mcp-endpoint-schemas.ts';
import { parseArguments } from './tool-results.ts';

/** An active assignment, as the definitions module lists it. */
export interface AssignedTask {
  id: string;
  agent_id: string;
  task_definition_id: string;
  assigned_at: string;
}

/** A task definition as the definitions module shows it; its response_schema is an object schema. */
export interface TaskDefinition {
  id: string;
  name: string;
  description: string | null;
  response_schema: Record<string, unknown>;
  is_active: boolean;
}

/** The definitions module's execution of an assignment (POST /assignments/{id}/execute). */
export type ExecuteAssignment = (
  principal: Principal,
  assignmentId: string,
  body: { input: string | Record<string, unknown> },
  options: { signal?: AbortSignal | undefined; trigger: 'mcp' },
) => Promise<{ run_id: string; task_definition_version: number; output: Record<string, unknown> }>;

/**
 * `run_<definition>_<agent>`: a task definition assigned to an agent, as a typed tool. Its output
 * schema is the definition's response_schema, and its structured content the validated answer;
 * the run and the definition version it used are in the result's `_meta`.
 */
export function runTaskTool(
  principal: Principal,
  task: { assignment: AssignedTask; definition: TaskDefinition; agentName: string },
  name: string,
  execute: ExecuteAssignment,
): CatalogTool {
  const { assignment, definition, agentName } = task;
  const title = `${definition.name} (${agentName})`;
  return {
    tool: {
      name,
      title,
      description: bounded(
        [
          `Run the task “${definition.name}” with the agent “${agentName}”; it answers with a JSON object valid against the output schema.`,
          definition.description?.trim(),
        ]
          .filter(Boolean)
          .join(' '),
      ),
      inputSchema: taskInputSchema,
      // Checked at write: a response_schema's root is an object schema.
      outputSchema: definition.response_schema as Tool['outputSchema'],
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    async call(given, { signal }) {
      const { input } = parseArguments(taskArguments, given);
      const result = await execute(principal, assignment.id, { input }, { signal, trigger: 'mcp' });
      return {
        content: [{ type: 'text', text: JSON.stringify(result.output) }],
        structuredContent: result.output,
        _meta: {
          'agentry/run_id': result.run_id,
          'agentry/task_definition_version': result.task_definition_version,
        },
      };
    },
  };
}

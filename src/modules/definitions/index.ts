import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { TurnEngine } from '../execution/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createAssignmentExecution } from './assignment-execution.ts';
import { assignmentRoutes } from './assignment-routes.ts';
import { createAssignmentService, type DescribeProvider, type RequireAgent } from './assignment-service.ts';
import { createTaskResolver } from './assignment-task-resolver.ts';
import { definitionRoutes } from './definition-routes.ts';
import { createDefinitionService } from './definition-service.ts';

export { SchemaValidationFailedError, taskMessage } from './assignment-execution.ts';
export { createTaskResolver, type ResolveForTask, type TaskForTurn } from './assignment-task-resolver.ts';
export { effectiveInstructions } from './definition-versioning.ts';

export interface DefinitionsOptions {
  db: Database;
  guard: AccessGuard;
  turns: Pick<TurnEngine, 'run'>;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: RequireAgent;
  /** The provider an agent's turns use, described (the providers module), for assignment details. */
  describeProvider: DescribeProvider;
}

/**
 * Task definitions and agent-task assignments (seed 003 TaskConfig and AgentTaskAssignment,
 * docs/task-definitions.md): JSON Schema outputs, versioned; assigned to agents; executed as turns
 * whose answers validate against the schema. Returns `resolveForTask`, with which autonomous tasks
 * whose task_type names an assigned definition answer with structured output (`createTaskResolver`
 * makes the same function for a module assembled before this one).
 */
export async function registerDefinitions(app: FastifyInstance, options: DefinitionsOptions) {
  const definitions = createDefinitionService({ db: options.db });
  const assignments = createAssignmentService({
    db: options.db,
    requireAgent: options.requireAgent,
    requireDefinition: definitions.get,
    describeProvider: options.describeProvider,
  });
  const execution = createAssignmentExecution({ db: options.db, turns: options.turns, assignments });
  await app.register(definitionRoutes(definitions, options.guard), { prefix: '/api/v1' });
  await app.register(assignmentRoutes(assignments, execution, options.guard), { prefix: '/api/v1' });
  return {
    resolveForTask: createTaskResolver(options.db),
    /** An assignment (403/404) and its definition, as a run that pins them reads them (analysis runs). */
    requireAssignment: assignments.requireAssignment,
    requireDefinition: definitions.get,
    /** Assignments as GET /assignments lists them, and their execution (the MCP endpoint's typed tools). */
    listAssignments: assignments.list,
    executeAssignment: execution.execute,
  };
}

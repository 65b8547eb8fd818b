import { BadRequestError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import { effectiveInstructions } from '../definitions/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { isBatchable } from './analysis-batch.ts';
import type { AnalysisOptions } from './analysis-tables.ts';

interface ModelChoice {
  provider: { id: string; name: string; type: string };
  modelId: string;
}

/** What a snapshot reads from the definitions, agents and execution modules. */
export interface SnapshotReaders {
  requireAssignment(
    principal: Principal,
    assignmentId: string,
  ): Promise<{ id: string; agentId: string; taskDefinitionId: string; isActive: boolean }>;
  requireDefinition(
    principal: Principal,
    definitionId: string,
  ): Promise<{
    id: string;
    name: string;
    description: string | null;
    instructions: string | null;
    response_schema: Record<string, unknown>;
    is_active: boolean;
    version: number;
  }>;
  /** The agent's current version and its whole configuration (the agents module). */
  currentConfiguration(
    principal: Principal,
    agentId: string,
  ): Promise<{ version: number; checksum: string; configuration: Record<string, unknown> }>;
  /** The agent as its turns run it (the agents module's turn cache). */
  agentForTurn(principal: Principal, agentId: string, version?: number): Promise<AgentView>;
  /** The models the agent's turns would use, resolved without calling them (the execution module). */
  describeModels(
    principal: Principal,
    agent: AgentView,
  ): Promise<{ primary: ModelChoice; fallback: ModelChoice | null }>;
}

/**
 * Everything a run depends on, pinned when it is created: the assignment, the agent at its
 * version with its whole configuration, the task definition at its version (whose instructions
 * and schema the run's turns use, whatever the definition becomes), the models, the options.
 */
export interface ConfigSnapshot {
  assignment_id: string;
  agent: {
    id: string;
    name: string;
    version: number;
    checksum: string;
    configuration: Record<string, unknown>;
  };
  task_definition: {
    id: string;
    name: string;
    version: number;
    instructions: string;
    response_schema: Record<string, unknown>;
  };
  model: {
    provider: ModelChoice['provider'];
    model: string;
    fallback: { provider: ModelChoice['provider']; model: string } | null;
  };
  options: AnalysisOptions;
  source: Record<string, unknown>;
}

/**
 * Reads the assignment, its agent and its definition as they are now: refused with 400 when the
 * assignment, its definition or its agent is inactive, or (batches) when the schema cannot be
 * nested in a batch's answer.
 */
export async function takeSnapshot(
  readers: SnapshotReaders,
  principal: Principal,
  assignmentId: string,
  options: AnalysisOptions,
  source: Record<string, unknown>,
): Promise<ConfigSnapshot> {
  const assignment = await readers.requireAssignment(principal, assignmentId);
  if (!assignment.isActive) {
    throw new BadRequestError(
      'assignment_inactive',
      'The assignment is inactive: activate it to analyse with it',
      {
        assignment_id: assignment.id,
      },
    );
  }
  const [definition, configuration, agent] = await Promise.all([
    readers.requireDefinition(principal, assignment.taskDefinitionId),
    readers.currentConfiguration(principal, assignment.agentId),
    readers.agentForTurn(principal, assignment.agentId),
  ]);
  if (!definition.is_active) {
    throw new BadRequestError(
      'task_definition_inactive',
      `The task definition ${definition.name} is inactive: activate it to analyse with it`,
      { task_definition_id: definition.id },
    );
  }
  if (agent.status !== 'active') {
    throw new BadRequestError('agent_inactive', `The agent is ${agent.status}: activate it to execute it`);
  }
  if (options.batch_size > 1 && !isBatchable(definition.response_schema)) {
    throw new BadRequestError(
      'analysis_batch_unsupported',
      'The task definition’s response_schema refers to its own root ($ref "#..."): use batch_size 1',
      { task_definition_id: definition.id },
    );
  }
  const models = await readers.describeModels(principal, agent);
  return {
    assignment_id: assignment.id,
    agent: {
      id: assignment.agentId,
      name: agent.name,
      version: configuration.version,
      checksum: configuration.checksum,
      configuration: configuration.configuration,
    },
    task_definition: {
      id: definition.id,
      name: definition.name,
      version: definition.version,
      instructions: effectiveInstructions(definition),
      response_schema: definition.response_schema,
    },
    model: {
      provider: models.primary.provider,
      model: models.primary.modelId,
      fallback: models.fallback
        ? { provider: models.fallback.provider, model: models.fallback.modelId }
        : null,
    },
    options,
    source,
  };
}

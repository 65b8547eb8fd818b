import type { JSONSchema7 } from 'ai';
import type { Database } from '../../platform/db/database.ts';
import { AppError, BadRequestError, NotFoundError } from '../../platform/http/errors.ts';
import { StructuredOutputError, type TurnEngine, type TurnOptions } from '../execution/index.ts';
import type { RunTrigger } from '../runs/index.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import type { ExecuteAssignmentBody, ExecutionResultView } from './assignment-schemas.ts';
import type { AssignmentService } from './assignment-service.ts';
import { findDefinition } from './definition-repository.ts';
import { effectiveInstructions } from './definition-versioning.ts';

/**
 * The model's answer did not validate against the definition's schema, even after the turn's one
 * repair attempt. A fault of the model's answer (502), not of the request; the details keep the
 * raw answer and the run that recorded the failure.
 */
export class SchemaValidationFailedError extends AppError {
  constructor(cause: StructuredOutputError, details: Record<string, unknown>) {
    super(
      'schema_validation_failed',
      'The agent’s answer did not match the task definition’s response_schema, even after one repair attempt',
      {
        status: 502,
        category: 'third_party',
        details: { ...cause.details, raw_answer: cause.answer ?? null, ...details },
        cause,
      },
    );
  }
}

/** The user message of a task's turn: what to do, then what to do it with. */
export function taskMessage(instructions: string, input: string | Record<string, unknown>): string {
  const text = typeof input === 'string' ? input : JSON.stringify(input, null, 2);
  return instructions ? `${instructions}\n\nInput:\n${text}` : text;
}

/** Who runs an assignment: the API (POST /assignments/{id}/execute) or an MCP client (/mcp). */
export type AssignmentTrigger = Extract<RunTrigger, 'api' | 'mcp'>;

/**
 * Runs assigned task definitions: a turn of the agent (trigger `api`, or `mcp` from the MCP
 * endpoint) whose message carries the definition's instructions and whose answer must validate
 * against its response_schema. The run's input metadata names the assignment and the definition
 * version it used.
 */
export function createAssignmentExecution({
  db,
  turns,
  assignments,
}: {
  db: Database;
  turns: Pick<TurnEngine, 'run'>;
  assignments: Pick<AssignmentService, 'requireAssignment'>;
}) {
  return {
    async execute(
      principal: Principal,
      assignmentId: string,
      body: ExecuteAssignmentBody,
      options: Pick<TurnOptions, 'signal'> & { trigger?: AssignmentTrigger } = {},
    ): Promise<ExecutionResultView> {
      requirePermission(principal, 'agents:execute');
      const assignment = await assignments.requireAssignment(principal, assignmentId);
      const definition = await findDefinition(db, principal, assignment.taskDefinitionId);
      if (!definition) throw new NotFoundError('Task definition');
      if (!assignment.isActive) {
        throw new BadRequestError(
          'assignment_inactive',
          'The assignment is inactive: activate it to execute it',
          {
            assignment_id: assignment.id,
          },
        );
      }
      if (!definition.isActive) {
        throw new BadRequestError(
          'task_definition_inactive',
          `The task definition ${definition.name} is inactive: activate it to execute it`,
          { task_definition_id: definition.id },
        );
      }
      const pinned = {
        assignment_id: assignment.id,
        task_definition_id: definition.id,
        task_definition_version: definition.version,
      };
      let runId: string | null = null;
      try {
        const summary = await turns.run(
          {
            principal,
            agentId: assignment.agentId,
            trigger: options.trigger ?? 'api',
            message: taskMessage(effectiveInstructions(definition), body.input),
            metadata: pinned,
            responseSchema: definition.responseSchema as JSONSchema7,
          },
          {
            signal: options.signal,
            onRunStarted: (id) => {
              runId = id;
            },
          },
        );
        return {
          assignment_id: assignment.id,
          agent_id: assignment.agentId,
          task_definition_id: definition.id,
          task_definition_version: definition.version,
          run_id: summary.run_id,
          // A turn with a response schema answers with the validated object, or throws.
          output: summary.structured_output ?? {},
          usage: summary.usage,
          cost_estimate: summary.cost_estimate,
          model: summary.model,
          provider: summary.provider,
          warnings: summary.warnings,
          execution_time_ms: summary.execution_time_ms,
        };
      } catch (error) {
        if (error instanceof StructuredOutputError) {
          throw new SchemaValidationFailedError(error, { ...pinned, run_id: runId });
        }
        throw error;
      }
    },
  };
}

export type AssignmentExecution = ReturnType<typeof createAssignmentExecution>;

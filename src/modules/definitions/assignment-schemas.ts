import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { usageView } from '../runs/index.ts';
import { definitionExamples } from './definition-schemas.ts';

const INPUT_MAX_BYTES = 100 * 1024;
const bytesOf = (value: unknown) =>
  Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

const activeOnly = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .optional()
  .describe('true: only active assignments');

export const createAssignmentBody = z
  .object({
    task_definition_id: z.uuid().optional().describe('The task definition to assign'),
    task_id: z.uuid().optional().describe('Seed 003’s name for task_definition_id'),
    is_active: z.boolean().optional().describe('true by default'),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.task_definition_id === undefined && body.task_id === undefined)
      context.addIssue({ code: 'custom', path: ['task_definition_id'], message: 'is required' });
    else if (body.task_definition_id && body.task_id && body.task_definition_id !== body.task_id)
      context.addIssue({ code: 'custom', path: ['task_id'], message: 'differs from task_definition_id' });
  })
  .meta({
    id: 'TaskAssignmentCreate',
    example: { task_definition_id: definitionExamples.definitionId, is_active: true },
  });
export type CreateAssignmentBody = z.infer<typeof createAssignmentBody>;

export const updateAssignmentBody = z
  .object({ is_active: z.boolean() })
  .strict()
  .meta({ id: 'TaskAssignmentUpdate', example: { is_active: false } });

export const agentAssignmentsQuery = pageQuery(50, 200).extend({ active_only: activeOnly });
export const listAssignmentsQuery = agentAssignmentsQuery.extend({
  agent_id: z.uuid().optional(),
  task_definition_id: z.uuid().optional(),
  project_id: z.uuid().optional().describe('Only the assignments of this project’s agents'),
});
export type ListAssignmentsQuery = z.infer<typeof listAssignmentsQuery>;

export const assignmentPairParams = z.object({ id: z.uuid(), task_definition_id: z.uuid() });

const assignmentExample = {
  id: definitionExamples.assignmentId,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  task_definition_id: definitionExamples.definitionId,
  is_active: true,
  assigned_at: definitionExamples.assigned,
  updated_at: definitionExamples.assigned,
  agent_name: 'Message Classifier',
  task_name: 'Classify Message',
  provider_name: 'Ollama Local',
  provider_type: 'ollama',
};

export const assignmentView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid(),
    task_definition_id: z.uuid(),
    is_active: z.boolean(),
    assigned_at: timestamp,
    updated_at: timestamp,
    agent_name: z.string(),
    task_name: z.string().describe('The task definition’s name'),
    provider_name: z
      .string()
      .nullable()
      .describe('The provider the agent’s turns use (its own, else the default); null if it is gone'),
    provider_type: z.string().nullable(),
  })
  .meta({ id: 'TaskAssignment', example: assignmentExample });
export type AssignmentView = z.infer<typeof assignmentView>;
export const assignmentListView = z
  .array(assignmentView)
  .meta({ id: 'TaskAssignmentList', example: [assignmentExample] });

export const executeAssignmentBody = z
  .object({
    input: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .refine((value) => bytesOf(value) <= INPUT_MAX_BYTES, { message: 'must be at most 100 KB' })
      .describe('What the task is applied to: a text, or a JSON object (given to the model as JSON)'),
  })
  .strict()
  .meta({
    id: 'TaskAssignmentExecution',
    example: { input: 'The app crashes when I log in on iOS' },
  });
export type ExecuteAssignmentBody = z.infer<typeof executeAssignmentBody>;

export const executionResultView = z
  .object({
    assignment_id: z.uuid(),
    agent_id: z.uuid(),
    task_definition_id: z.uuid(),
    task_definition_version: z.number().int().describe('The definition version the run used'),
    run_id: z.uuid(),
    output: z.record(z.string(), z.unknown()).describe('The answer, validated against response_schema'),
    usage: usageView,
    cost_estimate: z.number().nullable().describe('USD; null when the model has no known price'),
    model: z.string(),
    provider: z.object({ id: z.string(), name: z.string(), type: z.string() }),
    warnings: z.array(z.string()),
    execution_time_ms: z.number().int(),
  })
  .meta({
    id: 'TaskAssignmentExecutionResult',
    example: {
      assignment_id: definitionExamples.assignmentId,
      agent_id: exampleIds.agent,
      task_definition_id: definitionExamples.definitionId,
      task_definition_version: 2,
      run_id: definitionExamples.runId,
      output: {
        category: 'bug',
        confidence: 0.95,
        reasoning: 'The user reports a crash at sign-in, which is a defect.',
      },
      usage: { input_tokens: 236, output_tokens: 29, total_tokens: 265 },
      cost_estimate: null,
      model: 'llama3',
      provider: { id: exampleIds.provider, name: 'Ollama Local', type: 'ollama' },
      warnings: [],
      execution_time_ms: 1870,
    },
  });
export type ExecutionResultView = z.infer<typeof executionResultView>;

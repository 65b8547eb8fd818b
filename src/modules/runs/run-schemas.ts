import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes, exampleTurn } from '../../platform/http/openapi-examples.ts';
import { actionTypes, runStatuses, runTriggers } from './run-tables.ts';

export const usageView = z
  .object({
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .meta({ id: 'TokenUsage', example: exampleTurn.usage });

/** The run of the examples' chat turn, answered by the agent's local model. */
const runExample = {
  id: exampleIds.run,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  agent_version: 2,
  session_id: exampleIds.session,
  trigger: 'chat',
  status: 'completed',
  input: { message: exampleTurn.question, metadata: { channel: 'web' } },
  output: exampleTurn.answer,
  error: null,
  usage: exampleTurn.usage,
  cost_estimate: null,
  model: 'llama3.1:8b',
  provider_id: exampleIds.provider,
  provider_name: 'Local Ollama',
  provider_type: 'openai_compatible',
  fallback_used: false,
  warnings: [],
  started_at: exampleTimes.runStarted,
  completed_at: exampleTimes.runCompleted,
  duration_ms: 2_120,
  created_by_user_id: null,
  created_by_api_key_id: exampleIds.apiKey,
};

export const runView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid(),
    agent_version: z.number().int(),
    session_id: z.uuid().nullable(),
    trigger: z.enum(runTriggers),
    status: z.enum(runStatuses),
    input: z.record(z.string(), z.unknown()),
    output: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    usage: usageView,
    cost_estimate: z.number().nullable(),
    model: z.string().nullable(),
    provider_id: z.string().nullable(),
    provider_name: z.string().nullable(),
    provider_type: z.string().nullable(),
    fallback_used: z.boolean(),
    warnings: z.array(z.string()),
    started_at: timestamp,
    completed_at: nullableTimestamp,
    duration_ms: z.number().int().nullable(),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
  })
  .meta({ id: 'Run', example: runExample });
export type RunView = z.infer<typeof runView>;
export const runListView = z.array(runView).meta({ example: [runExample] });

const actionOfRun = {
  agent_id: exampleIds.agent,
  run_id: exampleIds.run,
  task_id: null,
  success: true,
  created_at: exampleTimes.runCompleted,
};
const llmCallExample = {
  ...actionOfRun,
  id: exampleIds.llmCallAction,
  sequence: 1,
  action_type: 'llm_call',
  action_data: {
    step: 1,
    model: 'llama3.1:8b',
    provider_id: exampleIds.provider,
    provider_name: 'Local Ollama',
  },
  result_data: { usage: exampleTurn.usage, text_length: exampleTurn.answer.length, finish_reason: 'stop' },
  execution_time_ms: 2_080,
};
const chatResponseExample = {
  ...actionOfRun,
  id: exampleIds.chatResponseAction,
  sequence: 2,
  action_type: 'chat_response',
  action_data: { steps: 1, message_id: exampleIds.assistantMessage, session_id: exampleIds.session },
  result_data: { tool_calls: 0, content_length: exampleTurn.answer.length },
  execution_time_ms: 2_120,
};

export const actionView = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    run_id: z.uuid().nullable().describe('The run the step belongs to; null for a task step outside runs'),
    task_id: z.uuid().nullable().describe('The task the step belongs to, if any'),
    sequence: z.number().int(),
    action_type: z.enum(actionTypes),
    action_data: z.record(z.string(), z.unknown()),
    result_data: z.record(z.string(), z.unknown()),
    success: z.boolean(),
    execution_time_ms: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'AgentAction', example: llmCallExample });
export type ActionView = z.infer<typeof actionView>;
/** Newest first, as the agent's actions are listed. */
export const actionListView = z.array(actionView).meta({ example: [chatResponseExample, llmCallExample] });

export const runWithActionsView = runView
  .extend({ actions: z.array(actionView) })
  .meta({ id: 'RunWithActions', example: { ...runExample, actions: [llmCallExample, chatResponseExample] } });

export const listRunsQuery = pageQuery(50, 200).extend({
  agent_id: z.uuid().optional(),
  project_id: z.uuid().optional().describe('Only the runs of this project’s agents'),
  session_id: z.uuid().optional(),
  status: z.enum(runStatuses).optional(),
  trigger: z.enum(runTriggers).optional(),
});

export const agentActionsQuery = pageQuery(50, 200).extend({
  action_type: z.enum(actionTypes).optional(),
  run_id: z.uuid().optional(),
  task_id: z.uuid().optional(),
});

import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { sessions } from '../conversations/conversation-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

/**
 * `api`: a call through the OpenAI-compatible facade (the client sends the history; no session);
 * `channel`: a message from Slack, email or a webhook; `mcp`: a call through Agentry's MCP server.
 */
export const runTriggers = ['chat', 'test', 'task', 'analysis', 'api', 'channel', 'mcp'] as const;
/** `abandoned`: the process running the turn died (its lease expired) before the turn ended. */
export const runStatuses = ['running', 'completed', 'failed', 'cancelled', 'abandoned'] as const;
/**
 * The steps of runs (context_retrieval .. chat_response, which a failed turn records unsuccessful)
 * and of tasks around their runs (task_*), and replies sent through channels (message_sent).
 */
export const actionTypes = [
  'context_retrieval',
  'chat_response',
  'llm_call',
  'tool_call',
  'message_sent',
  'task_received',
  'task_queued',
  'task_started',
  'task_completed',
  'task_failed',
  'task_dead',
  'task_cancelled',
] as const;
export type RunTrigger = (typeof runTriggers)[number];
export type RunStatus = (typeof runStatuses)[number];
export type ActionType = (typeof actionTypes)[number];

export interface RunUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface RunError {
  code: string;
  message: string;
}

type JsonObject = Record<string, unknown>;

/** One execution of an agent (a chat turn, a test, a task, an analysis item), pinned to a version. */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    /** The configuration version the turn ran with. */
    agentVersion: integer('agent_version').notNull(),
    sessionId: uuid('session_id').references(() => sessions.id),
    trigger: text('trigger', { enum: runTriggers }).notNull(),
    status: text('status', { enum: runStatuses }).notNull(),
    input: jsonb('input').$type<JsonObject>().notNull(),
    output: text('output'),
    error: jsonb('error').$type<RunError>(),
    usage: jsonb('usage').$type<RunUsage>().notNull(),
    /** USD; null when the answering model has no known price. */
    costEstimate: numeric('cost_estimate', { precision: 14, scale: 8, mode: 'number' }),
    /** The model that answered (the fallback's when it was used). */
    model: text('model'),
    /** Text, not uuid: the built-in offline connection has the id `offline`. */
    providerId: text('provider_id'),
    providerName: text('provider_name'),
    providerType: text('provider_type'),
    fallbackUsed: boolean('fallback_used').notNull().default(false),
    /** Things the caller should know that did not fail the run (e.g. an unknown tool name). */
    warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    /** The lease of the process running the turn: its recovery follows the lease, not the run's age. */
    processId: uuid('process_id'),
  },
  (table) => [
    index('runs_organization_started_idx').on(table.organizationId, table.startedAt),
    index('runs_organization_agent_started_idx').on(table.organizationId, table.agentId, table.startedAt),
    index('runs_running_idx').on(table.organizationId, table.agentId).where(sql`${table.status} = 'running'`),
  ],
);

/**
 * The steps of an agent's work (seed 000 AgentAction): a run's model calls, tool calls and final
 * response, and a task's steps around its runs (no run, or the attempt's run).
 */
export const agentActions = pgTable(
  'agent_actions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    /** Null for a task's step that is not part of a run (received, queued, dead-lettered, ...). */
    runId: uuid('run_id').references(() => runs.id),
    /** The task the step belongs to, when it belongs to one. */
    taskId: uuid('task_id'),
    /** Order of the step within its run (1 for a task's steps outside runs). */
    sequence: integer('sequence').notNull(),
    actionType: text('action_type', { enum: actionTypes }).notNull(),
    actionData: jsonb('action_data').$type<JsonObject>().notNull(),
    resultData: jsonb('result_data').$type<JsonObject>().notNull(),
    success: boolean('success').notNull(),
    executionTimeMs: integer('execution_time_ms').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('agent_actions_run_sequence_idx').on(table.runId, table.sequence),
    // Action ids are time-ordered (uuidv7, a run's in the order of its steps): the agent's actions
    // in causal order.
    index('agent_actions_organization_agent_id_idx').on(table.organizationId, table.agentId, table.id),
    index('agent_actions_task_idx').on(table.taskId).where(sql`${table.taskId} is not null`),
    check('agent_actions_owner_check', sql`${table.runId} is not null or ${table.taskId} is not null`),
  ],
);

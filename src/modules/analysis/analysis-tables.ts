import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { agentAssignments } from '../definitions/assignment-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

/**
 * A run's life: pending (created, items materialized) -> queued (started, its job waits) ->
 * running -> completed (every item done or failed) or failed (the run could not go on, or every
 * item failed); pending, queued and running runs can be `cancelled`.
 */
export const analysisRunStatuses = [
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
] as const;
export type AnalysisRunStatus = (typeof analysisRunStatuses)[number];

export const analysisItemStatuses = ['pending', 'completed', 'failed'] as const;
export type AnalysisItemStatus = (typeof analysisItemStatuses)[number];

export type JsonObject = Record<string, unknown>;

/** What an error of a run or an item says: Agentry's code and a message for the caller. */
export interface AnalysisError {
  code: string;
  message: string;
  details?: JsonObject;
}

/** Where an item came from: an inline index, a message of a session, a row or line of a file. */
export type SourceRef =
  | { type: 'inline'; index: number }
  | { type: 'message'; message_id: string; session_id: string; created_at: string }
  | { type: 'file'; file_id: string; row: number }
  | { type: 'file'; file_id: string; line: number };

/** The options a run was created with, defaults applied. */
export interface AnalysisOptions {
  batch_size: number;
  concurrency: number;
  temperature?: number | undefined;
  max_output_tokens?: number | undefined;
}

/**
 * An analysis run (seed 003 AnalysisRun): an assignment applied to a fixed list of items, with
 * the configuration it runs pinned in `config_snapshot`. Counts, tokens and cost are derived from
 * its items and proposals when read, so that no turn updates this row.
 */
export const analysisRuns = pgTable(
  'analysis_runs',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    assignmentId: uuid('assignment_id')
      .notNull()
      .references(() => agentAssignments.id),
    agentId: uuid('agent_id').notNull(),
    taskDefinitionId: uuid('task_definition_id').notNull(),
    status: text('status', { enum: analysisRunStatuses }).notNull().default('pending'),
    triggerType: text('trigger_type').notNull().default('manual'),
    /** The source as requested (inline items themselves are the items, not repeated here). */
    source: jsonb('source').$type<JsonObject>().notNull(),
    options: jsonb('options').$type<AnalysisOptions>().notNull(),
    configSnapshot: jsonb('config_snapshot').$type<JsonObject>().notNull(),
    itemsTotal: integer('items_total').notNull(),
    /** The run this one re-runs (same items, same snapshot). */
    rerunOf: uuid('rerun_of'),
    error: jsonb('error').$type<AnalysisError>(),
    queueJobId: text('queue_job_id'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('analysis_runs_organization_created_idx').on(table.organizationId, table.createdAt),
    index('analysis_runs_assignment_idx').on(table.organizationId, table.assignmentId),
    index('analysis_runs_agent_idx').on(table.organizationId, table.agentId),
  ],
);

/**
 * The items of a run, materialized when it is created so that the run (and a re-run) reads the
 * very same inputs. An item's status changes in the transaction that stores its proposal.
 */
export const analysisRunItems = pgTable(
  'analysis_run_items',
  {
    organizationId: uuid('organization_id').notNull(),
    runId: uuid('run_id')
      .notNull()
      .references(() => analysisRuns.id, { onDelete: 'cascade' }),
    itemIndex: integer('item_index').notNull(),
    sourceRef: jsonb('source_ref').$type<SourceRef>().notNull(),
    /** A text, or a JSON object (given to the model as JSON). */
    input: jsonb('input').$type<string | JsonObject>().notNull(),
    status: text('status', { enum: analysisItemStatuses }).notNull().default('pending'),
    error: jsonb('error').$type<AnalysisError>(),
    /** Turns its outcome took (a rate-limited turn is tried again). */
    attempts: integer('attempts').notNull().default(0),
    /** The run (turn) that produced the item's result or failure. */
    turnRunId: uuid('turn_run_id'),
    /** The item's share of its turn's usage (a batch's usage is split over its items). */
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costEstimate: doublePrecision('cost_estimate'),
    /** How long the turn that produced it took. */
    latencyMs: integer('latency_ms'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.itemIndex] }),
    index('analysis_run_items_status_idx').on(table.runId, table.status, table.itemIndex),
  ],
);

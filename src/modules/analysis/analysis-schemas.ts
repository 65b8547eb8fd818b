import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { definitionExamples } from '../definitions/definition-schemas.ts';
import { usageView } from '../runs/index.ts';
import {
  analysisExampleIds,
  exampleItems,
  exampleOptions,
  exampleOutput,
  exampleRunView,
} from './analysis-examples.ts';
import { analysisItemStatuses, analysisRunStatuses } from './analysis-tables.ts';

/** Inline items a run may carry in its request; larger sources are files or time windows. */
const MAX_INLINE_ITEMS = 1_000;
/** Items any source may yield (a file's rows, a time window's messages). */
export const MAX_SOURCE_ITEMS = 10_000;
/** One item's input, as the execution of an assignment accepts it. */
export const ITEM_MAX_BYTES = 100 * 1024;
const MAX_BATCH_SIZE = 50;
const MAX_CONCURRENCY = 16;

export const bytesOf = (value: unknown) =>
  Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

const dateTime = z.iso.datetime({ offset: true });

const itemInput = z
  .union([z.string().min(1), z.record(z.string(), z.unknown())])
  .refine((value) => bytesOf(value) <= ITEM_MAX_BYTES, { message: 'must be at most 100 KB' })
  .describe('A text, or a JSON object (given to the model as JSON)');
export type ItemInput = z.infer<typeof itemInput>;

const inlineSource = z
  .object({
    type: z.literal('inline'),
    items: z.array(itemInput).min(1).max(MAX_INLINE_ITEMS).describe(`At most ${MAX_INLINE_ITEMS}`),
  })
  .strict();

const timeWindowSource = z
  .object({
    type: z.literal('time_window'),
    time_window_start: dateTime,
    time_window_end: dateTime,
    agent_id: z.uuid().optional().describe('Whose sessions; the assignment’s agent by default'),
    session_id: z.uuid().optional().describe('Only this session'),
  })
  .strict();

const fileSource = z
  .object({
    type: z.literal('file'),
    file_id: z.uuid().describe('An uploaded file (POST /files): CSV, or JSON Lines uploaded as .txt'),
    format: z
      .enum(['csv', 'jsonl'])
      .optional()
      .describe('csv for a CSV file, jsonl for a text file by default'),
  })
  .strict();

const analysisSource = z.discriminatedUnion('type', [inlineSource, timeWindowSource, fileSource]);
export type AnalysisSource = z.infer<typeof analysisSource>;

export const analysisOptions = z
  .object({
    batch_size: z
      .number()
      .int()
      .min(1)
      .max(MAX_BATCH_SIZE)
      .default(1)
      .describe('Items per model call; above 1 the model answers one output per item, each validated alone'),
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(4).describe('Turns at once'),
    temperature: z.number().min(0).max(2).optional().describe('Instead of the agent’s'),
    max_output_tokens: z.number().int().min(1).max(1_000_000).optional().describe('Lowers the agent’s cap'),
  })
  .strict();

export const createRunBody = z
  .object({
    assignment_id: z.uuid().optional().describe('The agent-task assignment to apply'),
    agent_assignment_id: z.uuid().optional().describe('Seed 003’s name for assignment_id'),
    source: analysisSource.optional(),
    time_window_start: dateTime.optional().describe('Seed 003’s flat time window: source type time_window'),
    time_window_end: dateTime.optional(),
    trigger_type: z
      .string()
      .min(1)
      .max(50)
      .optional()
      .describe('A label kept with the run; manual by default'),
    options: analysisOptions.optional(),
  })
  .strict()
  .superRefine((body, context) => {
    const assignment = body.assignment_id ?? body.agent_assignment_id;
    if (assignment === undefined)
      context.addIssue({ code: 'custom', path: ['assignment_id'], message: 'is required' });
    else if (
      body.assignment_id &&
      body.agent_assignment_id &&
      body.assignment_id !== body.agent_assignment_id
    )
      context.addIssue({
        code: 'custom',
        path: ['agent_assignment_id'],
        message: 'differs from assignment_id',
      });
    const flat = body.time_window_start !== undefined || body.time_window_end !== undefined;
    if (body.source && flat)
      context.addIssue({ code: 'custom', path: ['source'], message: 'give the time window in source only' });
    if (!body.source && !flat) context.addIssue({ code: 'custom', path: ['source'], message: 'is required' });
    const window =
      body.source?.type === 'time_window'
        ? { start: body.source.time_window_start, end: body.source.time_window_end, path: 'source.' }
        : { start: body.time_window_start, end: body.time_window_end, path: '' };
    if (flat && (window.start === undefined || window.end === undefined))
      context.addIssue({ code: 'custom', path: ['time_window_end'], message: 'both ends are required' });
    if (window.start && window.end && Date.parse(window.end) <= Date.parse(window.start))
      context.addIssue({
        code: 'custom',
        path: [...window.path.split('.').filter(Boolean), 'time_window_end'],
        message: 'must be after time_window_start',
      });
  })
  .meta({
    id: 'AnalysisRunCreate',
    example: {
      assignment_id: definitionExamples.assignmentId,
      source: { type: 'inline', items: exampleItems },
      options: exampleOptions,
    },
  });
export type CreateRunBody = z.infer<typeof createRunBody>;

export const listRunsQuery = pageQuery(50, 200).extend({
  assignment_id: z.uuid().optional(),
  agent_id: z.uuid().optional(),
  status: z.enum(analysisRunStatuses).optional(),
});
export type ListRunsQuery = z.infer<typeof listRunsQuery>;

export const listItemsQuery = pageQuery(100, 1000).extend({
  status: z.enum(analysisItemStatuses).optional(),
});

export const sourceRefView = z
  .record(z.string(), z.unknown())
  .describe(
    'Where the item came from: {type: inline, index}, {type: message, message_id, session_id, created_at}, or {type: file, file_id, row | line}',
  );

const errorView = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const itemErrorExample = {
  item_index: 2,
  source_ref: { type: 'inline', index: 2 },
  error: {
    code: 'schema_validation_failed',
    message: 'The answer did not match the task definition’s response_schema',
  },
};
const itemErrorView = z.object({
  item_index: z.number().int(),
  source_ref: sourceRefView,
  error: errorView,
});

export const runView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    assignment_id: z.uuid(),
    agent_id: z.uuid(),
    task_definition_id: z.uuid(),
    status: z.enum(analysisRunStatuses),
    trigger_type: z.string(),
    source: z.record(z.string(), z.unknown()).describe('The source as requested, without inline items'),
    options: z.record(z.string(), z.unknown()),
    config_snapshot: z
      .record(z.string(), z.unknown())
      .describe(
        'What the run runs: the agent version and configuration, the task definition version, the model',
      ),
    rerun_of: z.uuid().nullable(),
    progress: z.object({
      items_total: z.number().int(),
      items_done: z.number().int(),
      items_failed: z.number().int(),
      items_pending: z.number().int(),
      percent: z.number().describe('Items done or failed, of the total'),
    }),
    proposals_total: z.number().int(),
    proposals_pending: z.number().int(),
    proposals_approved: z.number().int(),
    proposals_rejected: z.number().int(),
    llm_tokens_used: z.number().int(),
    usage: usageView,
    cost_estimate: z.number().nullable().describe('USD; null when no model call had a known price'),
    timings: z.object({
      duration_ms: z.number().int().nullable().describe('From start to end (or to now while it runs)'),
      mean_item_latency_ms: z.number().int().nullable(),
      max_item_latency_ms: z.number().int().nullable(),
    }),
    error: errorView.nullable().describe('Why the run failed'),
    item_errors: z
      .array(itemErrorView)
      .describe('The first failed items; GET /analysis/runs/{id}/items?status=failed lists them all'),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    queued_at: nullableTimestamp,
    started_at: nullableTimestamp,
    completed_at: nullableTimestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'AnalysisRun', example: exampleRunView });
export type RunView = z.infer<typeof runView>;

export const runListView = z.array(runView).meta({ id: 'AnalysisRunList', example: [exampleRunView] });

const itemExample = {
  item_index: 0,
  source_ref: { type: 'inline', index: 0 },
  input: exampleItems[0],
  status: 'completed',
  error: null,
  attempts: 1,
  proposal_id: analysisExampleIds.proposal,
  output: exampleOutput,
  turn_run_id: analysisExampleIds.turnRun,
  usage: { input_tokens: 236, output_tokens: 29, total_tokens: 265 },
  cost_estimate: null,
  latency_ms: 1870,
  completed_at: '2025-06-08T09:00:07.100Z',
};

export const itemView = z.object({
  item_index: z.number().int(),
  source_ref: sourceRefView,
  input: z.union([z.string(), z.record(z.string(), z.unknown())]),
  status: z.enum(analysisItemStatuses),
  error: errorView.nullable(),
  attempts: z.number().int().describe('Turns its outcome took (rate-limited turns are tried again)'),
  proposal_id: z.uuid().nullable(),
  output: z.record(z.string(), z.unknown()).nullable(),
  turn_run_id: z.uuid().nullable().describe('The run (GET /runs/{id}) that produced its output or error'),
  usage: usageView,
  cost_estimate: z.number().nullable(),
  latency_ms: z.number().int().nullable(),
  completed_at: nullableTimestamp,
});
export type ItemView = z.infer<typeof itemView>;

const failedItemExample = {
  ...itemErrorExample,
  input: exampleItems[2],
  status: 'failed',
  attempts: 1,
  proposal_id: null,
  output: null,
  turn_run_id: analysisExampleIds.turnRun,
  usage: { input_tokens: 240, output_tokens: 31, total_tokens: 271 },
  cost_estimate: null,
  latency_ms: 2310,
  completed_at: '2025-06-08T09:00:09.300Z',
};

export const itemListView = z
  .array(itemView)
  .meta({ id: 'AnalysisRunItemList', example: [itemExample, failedItemExample] });

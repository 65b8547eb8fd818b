import { z } from 'zod';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { usageView } from '../runs/index.ts';
import { analysisExampleIds, exampleItems, exampleOutput } from './analysis-examples.ts';
import { sourceRefView } from './analysis-schemas.ts';

export const compareBody = z
  .object({
    run_a: z.uuid().describe('A completed run (e.g. at the agent’s current version)'),
    run_b: z.uuid().describe('A completed run over the same items (e.g. at the candidate version)'),
    limit: z.number().int().min(0).max(1_000).default(100).describe('Items shown side by side'),
    offset: z.number().int().min(0).max(2_147_483_647).default(0),
  })
  .strict()
  .meta({
    id: 'AnalysisComparisonRequest',
    example: { run_a: analysisExampleIds.run, run_b: analysisExampleIds.secondRun, limit: 100, offset: 0 },
  });
export type CompareBody = z.infer<typeof compareBody>;

const rate = z.number().nullable().describe('agreeing / compared; null when nothing was compared');
const agreementView = z.object({ agreeing: z.number().int(), compared: z.number().int(), rate });

const sideView = z.object({
  run_id: z.uuid(),
  agent_id: z.uuid(),
  agent_version: z.number().int(),
  task_definition_version: z.number().int(),
  model: z.string(),
  provider: z.object({ id: z.string(), name: z.string(), type: z.string() }),
  items_done: z.number().int(),
  items_failed: z.number().int(),
  usage: usageView,
  llm_tokens_used: z.number().int(),
  cost_estimate: z.number().nullable(),
  duration_ms: z.number().int().nullable(),
  mean_item_latency_ms: z.number().int().nullable(),
  max_item_latency_ms: z.number().int().nullable(),
});
export type SideView = z.infer<typeof sideView>;

const comparedItemView = z.object({
  item_index: z.number().int(),
  source_ref: sourceRefView,
  input: z.union([z.string(), z.record(z.string(), z.unknown())]),
  output_a: z.record(z.string(), z.unknown()).nullable().describe('null: the item failed in run A'),
  output_b: z.record(z.string(), z.unknown()).nullable(),
  agree: z.boolean().nullable().describe('Every field equal; null when a side has no output'),
  fields: z.record(z.string(), z.boolean()).describe('Per field: equal in both outputs'),
});

const side = (runId: string, version: number, tokens: number, latency: number) => ({
  run_id: runId,
  agent_id: exampleIds.agent,
  agent_version: version,
  task_definition_version: 2,
  model: 'llama3',
  provider: { id: exampleIds.provider, name: 'Ollama Local', type: 'ollama' },
  items_done: 3,
  items_failed: 0,
  usage: { input_tokens: tokens - 90, output_tokens: 90, total_tokens: tokens },
  llm_tokens_used: tokens,
  cost_estimate: null,
  duration_ms: latency * 2,
  mean_item_latency_ms: latency,
  max_item_latency_ms: latency + 400,
});

const comparisonExample = {
  run_a: side(analysisExampleIds.run, 3, 795, 1870),
  run_b: side(analysisExampleIds.secondRun, 5, 852, 1640),
  items_total: 3,
  items_compared: 3,
  agreement: {
    overall: { agreeing: 2, compared: 3, rate: 0.6667 },
    fields: {
      category: { agreeing: 3, compared: 3, rate: 1 },
      confidence: { agreeing: 2, compared: 3, rate: 0.6667 },
      reasoning: { agreeing: 3, compared: 3, rate: 1 },
    },
  },
  items: [
    {
      item_index: 0,
      source_ref: { type: 'inline', index: 0 },
      input: exampleItems[0],
      output_a: exampleOutput,
      output_b: exampleOutput,
      agree: true,
      fields: { category: true, confidence: true, reasoning: true },
    },
  ],
};

export const comparisonView = z
  .object({
    run_a: sideView,
    run_b: sideView,
    items_total: z.number().int(),
    items_compared: z.number().int().describe('Items with an output on both sides'),
    agreement: z.object({
      overall: agreementView.describe('Items whose outputs agree on every field'),
      fields: z.record(z.string(), agreementView).describe('Per top-level field of the schema'),
    }),
    items: z.array(comparedItemView).describe('The items of the page (limit, offset), in order'),
  })
  .meta({ id: 'AnalysisComparison', example: comparisonExample });
export type ComparisonView = z.infer<typeof comparisonView>;

import { z } from 'zod';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { runTriggers } from '../runs/index.ts';

export const usageGroupings = ['day', 'agent', 'model', 'trigger'] as const;
export type UsageGrouping = (typeof usageGroupings)[number];

const moment = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional();

export const usageQuery = z.object({
  from: moment.describe(
    'Runs started at or after this date (UTC midnight) or time; default: 30 days before `to`',
  ),
  to: moment.describe('Runs started before this time, or until the end of this date (UTC); default: now'),
  group_by: z
    .enum(usageGroupings)
    .default('day')
    .describe('One group per UTC day (every day of the range), agent, model or trigger'),
  agent_id: z.uuid().optional().describe('Only this agent’s runs'),
  trigger: z.enum(runTriggers).optional().describe('Only runs of this trigger'),
});
export type UsageQuery = z.infer<typeof usageQuery>;
export const agentUsageQuery = usageQuery.omit({ agent_id: true });

const amounts = {
  runs: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cost_usd: z
    .number()
    .describe('The sum of the runs’ cost estimates (runs of models without a price count 0)'),
};

const day = exampleTimes.runStarted.slice(0, 10);
const usageExample = {
  from: '2025-05-06T00:00:00.000Z',
  to: '2025-06-05T00:00:00.000Z',
  group_by: 'agent',
  totals: { runs: 120, input_tokens: 49_440, output_tokens: 4_560, total_tokens: 54_000, cost_usd: 0.1692 },
  groups: [
    {
      key: exampleIds.agent,
      agent_name: 'Customer Support',
      runs: 120,
      input_tokens: 49_440,
      output_tokens: 4_560,
      total_tokens: 54_000,
      cost_usd: 0.1692,
    },
  ],
};

export const usageView = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    group_by: z.enum(usageGroupings),
    totals: z.object(amounts),
    groups: z.array(
      z.object({
        key: z
          .string()
          .nullable()
          .describe(
            `The day (e.g. ${day}), agent id, model (null: runs that never reached a model) or trigger`,
          ),
        agent_name: z.string().optional().describe('group_by agent: the agent’s name'),
        ...amounts,
      }),
    ),
  })
  .meta({ id: 'Usage', example: usageExample });
export type UsageView = z.infer<typeof usageView>;

import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { budgetPeriods } from './budget-tables.ts';

/** Ids and times of this module's OpenAPI examples, after those of the shared examples. */
const examples = {
  budgetId: '01974b20-5e00-7a3c-9d1e-2b7f4c8a6e13',
  created: '2025-06-10T09:00:00.000Z',
  periodStart: '2025-06-01T00:00:00.000Z',
  periodEnd: '2025-07-01T00:00:00.000Z',
} as const;

const agentId = z
  .uuid()
  .nullable()
  .describe('The agent whose turns the budget caps; null or absent: the whole organization’s turns');
const period = z
  .enum(budgetPeriods)
  .describe('A UTC calendar period: a day from midnight, a week from Monday, a month from its first day');
const tokenLimit = z
  .number()
  .int()
  .min(1)
  .max(1_000_000_000_000_000)
  .nullable()
  .describe('Most tokens (input + output) the scope may spend in a period; null: no token cap');
const costLimitUsd = z
  .number()
  .gt(0)
  .max(9_999_999_999)
  .nullable()
  .describe('Most estimated cost in USD (run cost_estimate) a period may reach; null: no cost cap');
const alertThresholdPercent = z
  .number()
  .int()
  .min(1)
  .max(100)
  .nullable()
  .describe('Percent of a cap at which budget-threshold-reached is published, once a period; null: no alert');
const description = z.string().trim().max(1_000).nullable();

/** A budget needs a cap; the service checks the same on an update's result. */
const someLimit = (
  body: { token_limit?: number | null | undefined; cost_limit_usd?: number | null | undefined },
  context: z.core.$RefinementCtx,
) => {
  if (body.token_limit == null && body.cost_limit_usd == null) {
    context.addIssue({
      code: 'custom',
      path: ['token_limit'],
      message: 'a budget needs token_limit, cost_limit_usd or both',
    });
  }
};

export const createBudgetBody = z
  .object({
    agent_id: agentId.optional(),
    period: period.default('month'),
    token_limit: tokenLimit.optional(),
    cost_limit_usd: costLimitUsd.optional(),
    alert_threshold_percent: alertThresholdPercent.default(80),
    enabled: z.boolean().default(true),
    description: description.optional(),
  })
  .strict()
  .superRefine(someLimit)
  .meta({
    example: {
      agent_id: null,
      period: 'month',
      token_limit: 5_000_000,
      cost_limit_usd: 250,
      alert_threshold_percent: 80,
      description: 'The whole organization: at most 5 M tokens and 250 USD a month',
    },
  });
export type CreateBudgetBody = z.infer<typeof createBudgetBody>;

export const updateBudgetBody = z
  .object({
    agent_id: agentId.optional(),
    period: period.optional(),
    token_limit: tokenLimit.optional(),
    cost_limit_usd: costLimitUsd.optional(),
    alert_threshold_percent: alertThresholdPercent.optional(),
    enabled: z.boolean().optional(),
    description: description.optional(),
  })
  .strict()
  .meta({ example: { cost_limit_usd: 400, alert_threshold_percent: 90 } });
export type UpdateBudgetBody = z.infer<typeof updateBudgetBody>;

const trueOrFalse = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .optional();

export const listBudgetsQuery = pageQuery(50, 200).extend({
  agent_id: z.uuid().optional().describe('Only this agent’s budgets'),
  scope: z
    .enum(['organization', 'agent'])
    .optional()
    .describe('organization: only the organization-wide budgets; agent: only agents’ budgets'),
  period: period.optional(),
  enabled: trueOrFalse.describe('true: only enabled budgets; false: only disabled ones'),
});
export type ListBudgetsQuery = z.infer<typeof listBudgetsQuery>;

const budgetExample = {
  id: examples.budgetId,
  organization_id: exampleIds.organization,
  agent_id: null,
  scope: 'organization',
  period: 'month',
  token_limit: 5_000_000,
  cost_limit_usd: 250,
  alert_threshold_percent: 80,
  enabled: true,
  description: 'The whole organization: at most 5 M tokens and 250 USD a month',
  created_by_user_id: exampleIds.user,
  created_at: examples.created,
  updated_at: examples.created,
  period_start: examples.periodStart,
  period_end: examples.periodEnd,
  spent: { tokens: 1_250_000, cost_usd: 41.5, runs: 2_780 },
  remaining_tokens: 3_750_000,
  remaining_cost_usd: 208.5,
  percent_used: 25,
  exceeded: false,
  threshold_alerted_at: null,
  exceeded_at: null,
};

export const budgetView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid().nullable(),
    scope: z.enum(['organization', 'agent']),
    period: z.enum(budgetPeriods),
    token_limit: z.number().int().nullable(),
    cost_limit_usd: z.number().nullable(),
    alert_threshold_percent: z.number().int().nullable(),
    enabled: z.boolean(),
    description: z.string().nullable(),
    created_by_user_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    period_start: timestamp.describe('Start of the current period (UTC)'),
    period_end: timestamp.describe('When the current period ends and the budget renews'),
    spent: z
      .object({ tokens: z.number().int(), cost_usd: z.number(), runs: z.number().int() })
      .describe('What the scope spent in the current period'),
    remaining_tokens: z
      .number()
      .int()
      .nullable()
      .describe('token_limit - spent.tokens, at least 0; null: no token cap'),
    remaining_cost_usd: z
      .number()
      .nullable()
      .describe('cost_limit_usd - spent.cost_usd, at least 0; null: no cost cap'),
    percent_used: z.number().describe('The larger share of a cap spent, in percent (may pass 100)'),
    exceeded: z.boolean().describe('A cap is reached: the scope’s turns are refused until period_end'),
    threshold_alerted_at: nullableTimestamp.describe(
      'When this period’s budget-threshold-reached was published',
    ),
    exceeded_at: nullableTimestamp.describe('When this period first reached a cap'),
  })
  .meta({ id: 'Budget', example: budgetExample });
export type BudgetView = z.infer<typeof budgetView>;
export const budgetListView = z.array(budgetView).meta({ example: [budgetExample] });

export const budgetIdParams = z.object({ id: z.uuid() });

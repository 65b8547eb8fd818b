import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

/** Calendar periods in UTC: a day from midnight, a week from Monday, a month from its first day. */
export const budgetPeriods = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

/**
 * A cap on what an organization (agent_id null) or one of its agents may spend on model calls in
 * each period: tokens, cost in USD, or both. A turn is refused before its model call once the
 * period's spending has reached a cap.
 */
export const budgets = pgTable(
  'budgets',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /** Null: the whole organization's spending. */
    agentId: uuid('agent_id').references(() => agents.id),
    period: text('period', { enum: budgetPeriods }).notNull(),
    tokenLimit: bigint('token_limit', { mode: 'number' }),
    costLimitUsd: numeric('cost_limit_usd', { precision: 14, scale: 4, mode: 'number' }),
    /** Percent of a cap at which a `budget.threshold_reached` event is sent once per period; null for none. */
    alertThresholdPercent: integer('alert_threshold_percent'),
    enabled: boolean('enabled').notNull().default(true),
    description: text('description'),
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // One budget per scope and period.
    uniqueIndex('budgets_scope_period_idx').on(
      table.organizationId,
      sql`coalesce(${table.agentId}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      table.period,
    ),
    index('budgets_agent_idx').on(table.agentId).where(sql`${table.agentId} is not null`),
    check(
      'budgets_some_limit_check',
      sql`${table.tokenLimit} is not null or ${table.costLimitUsd} is not null`,
    ),
  ],
);

/**
 * What a budget's scope spent in one of its periods, kept by the turn's end in the transaction that
 * stores it, so that checking a budget reads one row instead of summing a period of runs.
 */
export const budgetSpending = pgTable(
  'budget_spending',
  {
    budgetId: uuid('budget_id')
      .notNull()
      .references(() => budgets.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    tokens: bigint('tokens', { mode: 'number' }).notNull().default(0),
    costUsd: numeric('cost_usd', { precision: 18, scale: 8, mode: 'number' }).notNull().default(0),
    runs: integer('runs').notNull().default(0),
    /** When the alert threshold's event was sent for this period. */
    thresholdAlertedAt: timestamp('threshold_alerted_at', { withTimezone: true }),
    /** When the period's spending first reached a cap. */
    exceededAt: timestamp('exceeded_at', { withTimezone: true }),
  },
  (table) => [primaryKey({ columns: [table.budgetId, table.periodStart] })],
);

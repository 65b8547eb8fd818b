import { and, desc, eq, gte, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { runs } from '../runs/run-tables.ts';
import { type BudgetPeriod, budgetSpending, budgets } from './budget-tables.ts';

export type BudgetRow = typeof budgets.$inferSelect;
export type BudgetInsert = typeof budgets.$inferInsert;
export type BudgetChange = Partial<
  Pick<
    BudgetRow,
    'agentId' | 'period' | 'tokenLimit' | 'costLimitUsd' | 'alertThresholdPercent' | 'enabled' | 'description'
  >
>;
export type SpendingRow = typeof budgetSpending.$inferSelect;

export interface BudgetFilters {
  /** An agent's budgets; null: the organization-wide ones. */
  agentId?: string | null | undefined;
  period?: BudgetPeriod | undefined;
  enabled?: boolean | undefined;
  /** Only agents' budgets. */
  onlyAgents?: boolean | undefined;
}

const inBudgetScope = (scope: TenantScope) => inScope(budgets.organizationId, scope);

export async function insertBudget(tx: Executor, row: BudgetInsert): Promise<BudgetRow> {
  const [inserted] = await tx.insert(budgets).values(row).returning();
  return inserted as BudgetRow;
}

export async function findBudget(db: Executor, scope: TenantScope, budgetId: string) {
  const [row] = await db
    .select()
    .from(budgets)
    .where(and(inBudgetScope(scope), eq(budgets.id, budgetId)));
  return row;
}

/** The budget's organization, whoever asks: to tell 403 from 404. */
export async function findBudgetOrganization(db: Executor, budgetId: string) {
  const [row] = await db
    .select({ organizationId: budgets.organizationId })
    .from(budgets)
    .where(eq(budgets.id, budgetId));
  return row?.organizationId;
}

export async function listBudgets(db: Executor, scope: TenantScope, filters: BudgetFilters, page: Page) {
  const conditions = [inBudgetScope(scope)];
  if (filters.agentId === null) conditions.push(isNull(budgets.agentId));
  else if (filters.agentId) conditions.push(eq(budgets.agentId, filters.agentId));
  if (filters.onlyAgents) conditions.push(isNotNull(budgets.agentId));
  if (filters.period) conditions.push(eq(budgets.period, filters.period));
  if (filters.enabled !== undefined) conditions.push(eq(budgets.enabled, filters.enabled));
  return listPage(db, budgets, and(...conditions), [desc(budgets.createdAt), desc(budgets.id)], page);
}

/** The organization's enabled budgets: what turns are checked against. */
export async function enabledBudgets(db: Executor, organizationId: string) {
  return db
    .select()
    .from(budgets)
    .where(and(eq(budgets.organizationId, organizationId), eq(budgets.enabled, true)));
}

export async function updateBudget(tx: Executor, scope: TenantScope, budgetId: string, change: BudgetChange) {
  const [row] = await tx
    .update(budgets)
    .set({ ...change, updatedAt: new Date() })
    .where(and(inBudgetScope(scope), eq(budgets.id, budgetId)))
    .returning();
  return row;
}

/** Deletes the budget and (cascade) its spending. */
export async function deleteBudget(tx: Executor, scope: TenantScope, budgetId: string) {
  const [row] = await tx
    .delete(budgets)
    .where(and(inBudgetScope(scope), eq(budgets.id, budgetId)))
    .returning();
  return row;
}

/** The spending rows of these budgets in any of these periods (callers match each budget to its own period). */
export async function spendingOf(
  db: Executor,
  scope: TenantScope,
  budgetIds: readonly string[],
  periodStarts: readonly Date[],
): Promise<SpendingRow[]> {
  if (budgetIds.length === 0) return [];
  return db
    .select()
    .from(budgetSpending)
    .where(
      and(
        eq(budgetSpending.organizationId, scope.organizationId),
        inArray(budgetSpending.budgetId, [...budgetIds]),
        inArray(budgetSpending.periodStart, [...periodStarts]),
      ),
    );
}

/** Tokens of ended runs, from the run's stored usage. */
const runTokens = sql`coalesce(sum((${runs.usage} ->> 'total_tokens')::bigint), 0)`;

/**
 * Sets a budget's counter for the period starting at `periodStart` to what its scope's runs that
 * started since then spent (one pass over the runs index (organization, agent?, started_at)): a
 * budget created or re-enabled mid-period starts from what was already spent. Runs still running
 * are left out: their end adds them.
 */
export async function seedSpending(
  tx: Executor,
  budget: Pick<BudgetRow, 'id' | 'organizationId' | 'agentId'>,
  periodStart: Date,
) {
  const ofScope = and(
    eq(runs.organizationId, budget.organizationId),
    budget.agentId ? eq(runs.agentId, budget.agentId) : undefined,
    gte(runs.startedAt, periodStart),
    ne(runs.status, 'running'),
  );
  await tx.execute(sql`
    insert into ${budgetSpending} (budget_id, organization_id, period_start, tokens, cost_usd, runs)
    select ${budget.id}::uuid, ${budget.organizationId}::uuid, ${periodStart.toISOString()}::timestamptz, ${runTokens},
      coalesce(sum(${runs.costEstimate}), 0), count(*)
    from ${runs} where ${ofScope}
    on conflict (budget_id, period_start) do update
      set tokens = excluded.tokens, cost_usd = excluded.cost_usd, runs = excluded.runs`);
}

/** A period's marks: its alert threshold's event was sent, its cap was reached. */
export type SpendingMark = 'thresholdAlertedAt' | 'exceededAt';

/**
 * Sets a period's mark unless it is set already; true when this call set it, so that of several
 * turns (or processes) seeing the same crossing exactly one announces it.
 */
export async function claimMark(
  executor: Executor,
  row: Pick<SpendingRow, 'budgetId' | 'periodStart'>,
  mark: SpendingMark,
): Promise<boolean> {
  const column =
    mark === 'thresholdAlertedAt' ? budgetSpending.thresholdAlertedAt : budgetSpending.exceededAt;
  const claimed = await executor
    .update(budgetSpending)
    .set({ [mark]: new Date() })
    .where(
      and(
        eq(budgetSpending.budgetId, row.budgetId),
        eq(budgetSpending.periodStart, row.periodStart),
        isNull(column),
      ),
    )
    .returning({ budgetId: budgetSpending.budgetId });
  return claimed.length > 0;
}

/** Tokens of the agent's runs that started since `since` (the runs index (organization, agent, started_at)). */
export async function agentTokensSince(db: Executor, scope: TenantScope, agentId: string, since: Date) {
  const [row] = await db
    .select({ tokens: sql<number>`${runTokens}`.mapWith(Number) })
    .from(runs)
    .where(
      and(
        eq(runs.organizationId, scope.organizationId),
        eq(runs.agentId, agentId),
        gte(runs.startedAt, since),
      ),
    );
  return row?.tokens ?? 0;
}

/**
 * The agent's runs running in other processes than `processId` (the partial index of running
 * runs): this process counts its own turns in memory, including those whose start is not written yet.
 */
export async function runningElsewhere(db: Executor, scope: TenantScope, agentId: string, processId: string) {
  const [row] = await db
    .select({ running: sql<number>`count(*)`.mapWith(Number) })
    .from(runs)
    .where(
      and(
        eq(runs.organizationId, scope.organizationId),
        eq(runs.agentId, agentId),
        eq(runs.status, 'running'),
        sql`${runs.processId} is distinct from ${processId}`,
      ),
    );
  return row?.running ?? 0;
}

import { sql } from 'drizzle-orm';
import { cteName, type StatementPart } from '../../platform/db/statement-part.ts';
import type { TurnEndPart } from '../execution/index.ts';
import { budgetSpending, budgets } from './budget-tables.ts';

/**
 * Budgets' share of the statement that stores turn ends: the tokens and cost of the runs it ended
 * are added to the current period's counter of every enabled budget they fall under (created on a
 * period's first turn), in that statement and its commit, so that a turn is counted once, with its
 * run, and an organization with budgets pays no transaction of its own per turn (docs/budgets.md).
 * Periods are UTC calendar periods, as budget-periods.ts computes them (date_trunc's week starts on
 * Monday). A budget deleted while a process still had it in memory is simply not joined.
 */
export const budgetSpendingPart: TurnEndPart = (names): StatementPart<unknown> => {
  const ended = cteName(names.ended);
  return {
    ctes: [
      sql`budget_spent as (
        insert into ${budgetSpending} as spending (budget_id, organization_id, period_start, tokens, cost_usd, runs)
        select budget.id, budget.organization_id, date_trunc(budget.period, now(), 'UTC'),
          sum(coalesce((run.usage ->> 'total_tokens')::bigint, 0)), sum(coalesce(run.cost_estimate, 0)), count(*)::int
        from ${ended} as run
        join ${budgets} as budget on budget.organization_id = run.organization_id and budget.enabled
          and (budget.agent_id is null or budget.agent_id = run.agent_id)
        group by budget.id, budget.organization_id, budget.period
        order by budget.id
        on conflict (budget_id, period_start) do update set
          tokens = spending.tokens + excluded.tokens,
          cost_usd = spending.cost_usd + excluded.cost_usd,
          runs = spending.runs + excluded.runs
        returning spending.budget_id)`,
    ],
    values: () => ({}),
  };
};

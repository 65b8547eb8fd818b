import type { SpentCap } from './budget-errors.ts';
import { periodEnd, periodStart } from './budget-periods.ts';
import type { SpendingRow } from './budget-repository.ts';
import type { BudgetRule } from './budget-rules.ts';

export interface Spent {
  tokens: number;
  costUsd: number;
  runs: number;
}

export const nothingSpent: Spent = { tokens: 0, costUsd: 0, runs: 0 };

/** A budget's current period and what its scope spent in it. */
export interface Standing {
  periodStart: Date;
  periodEnd: Date;
  spent: Spent;
  /** The period's counter, when a turn or a seed wrote one. */
  row: SpendingRow | undefined;
}

/** The current period of each rule, given the spending rows read for them (a missing row: nothing spent). */
export function standingOf(rule: BudgetRule, rows: readonly SpendingRow[], now: Date): Standing {
  const start = periodStart(rule.period, now);
  const row = rows.find(
    (candidate) => candidate.budgetId === rule.id && candidate.periodStart.getTime() === start.getTime(),
  );
  return {
    periodStart: start,
    periodEnd: periodEnd(rule.period, start),
    spent: row ? { tokens: row.tokens, costUsd: row.costUsd, runs: row.runs } : nothingSpent,
    row,
  };
}

/** The larger share of its caps the spending has used, in percent (100 and more: a cap is reached). */
export function percentUsed(rule: Pick<BudgetRule, 'tokenLimit' | 'costLimitUsd'>, spent: Spent): number {
  const shares = [
    rule.tokenLimit ? spent.tokens / rule.tokenLimit : 0,
    rule.costLimitUsd ? spent.costUsd / rule.costLimitUsd : 0,
  ];
  return Math.round(Math.max(...shares) * 10_000) / 100;
}

/** The cap a standing has reached, if any: tokens first, then cost. */
export function reachedCap(rule: BudgetRule, standing: Standing): SpentCap | undefined {
  const { spent } = standing;
  const base = {
    budgetId: rule.id,
    scope: rule.agentId ? ('agent' as const) : ('organization' as const),
    agentId: rule.agentId,
    period: rule.period,
    periodStart: standing.periodStart,
    periodEnd: standing.periodEnd,
    spent,
  };
  if (rule.tokenLimit !== null && spent.tokens >= rule.tokenLimit) {
    return { ...base, limit: { tokens: rule.tokenLimit } };
  }
  if (rule.costLimitUsd !== null && spent.costUsd >= rule.costLimitUsd) {
    return { ...base, limit: { costUsd: rule.costLimitUsd } };
  }
  return undefined;
}

import { iso } from '../../platform/http/common-schemas.ts';
import type { BudgetRow, SpendingRow } from './budget-repository.ts';
import type { BudgetView } from './budget-schemas.ts';
import { percentUsed, reachedCap, standingOf } from './budget-standing.ts';

/** A budget as the API shows it, with its current period (`rows`: spending rows read for it, maybe of others too). */
export function toBudgetView(row: BudgetRow, rows: readonly SpendingRow[], now: Date): BudgetView {
  const standing = standingOf(row, rows, now);
  const { spent } = standing;
  return {
    id: row.id,
    organization_id: row.organizationId,
    agent_id: row.agentId,
    scope: row.agentId ? 'agent' : 'organization',
    period: row.period,
    token_limit: row.tokenLimit,
    cost_limit_usd: row.costLimitUsd,
    alert_threshold_percent: row.alertThresholdPercent,
    enabled: row.enabled,
    description: row.description,
    created_by_user_id: row.createdByUserId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    period_start: standing.periodStart.toISOString(),
    period_end: standing.periodEnd.toISOString(),
    spent: { tokens: spent.tokens, cost_usd: spent.costUsd, runs: spent.runs },
    remaining_tokens: row.tokenLimit === null ? null : Math.max(0, row.tokenLimit - spent.tokens),
    remaining_cost_usd:
      row.costLimitUsd === null
        ? null
        : Math.max(0, Math.round((row.costLimitUsd - spent.costUsd) * 1e8) / 1e8),
    percent_used: percentUsed(row, spent),
    exceeded: reachedCap(row, standing) !== undefined,
    threshold_alerted_at: iso(standing.row?.thresholdAlertedAt ?? null),
    exceeded_at: iso(standing.row?.exceededAt ?? null),
  };
}

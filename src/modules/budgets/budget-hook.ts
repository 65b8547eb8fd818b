import type { Database, Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { TurnHook } from '../execution/index.ts';
import type { AgentResourceLimits } from './agent-resource-limits.ts';
import { BudgetExceededError, type SpentCap } from './budget-errors.ts';
import { BUDGET_EVENTS } from './budget-events.ts';
import { periodEnd, periodStart, secondsUntil } from './budget-periods.ts';
import { claimMark, type SpendingMark, type SpendingRow, spendingOf } from './budget-repository.ts';
import { type BudgetRule, type BudgetRules, rulesFor } from './budget-rules.ts';
import { percentUsed, reachedCap, type Spent, standingOf } from './budget-standing.ts';

/** Budgets whose last read counter one process keeps (a cap on memory, not a cache that must hit). */
const LAST_READ_SIZE = 50_000;

const eventOfMark: Record<SpendingMark, string> = {
  thresholdAlertedAt: BUDGET_EVENTS.thresholdReached,
  exceededAt: BUDGET_EVENTS.exceeded,
};

/** The marks a period's spending calls for that its counter does not carry yet. */
function crossings(rule: BudgetRule, spent: Spent, row: SpendingRow | undefined): SpendingMark[] {
  const percent = percentUsed(rule, spent);
  const marks: SpendingMark[] = [];
  const threshold = rule.alertThresholdPercent;
  if (threshold !== null && percent >= threshold && !row?.thresholdAlertedAt)
    marks.push('thresholdAlertedAt');
  if (percent >= 100 && !row?.exceededAt) marks.push('exceededAt');
  return marks;
}

/** The start of the current period of every rule, each once. */
const currentPeriodStarts = (rules: readonly BudgetRule[], now: Date) =>
  [...new Set(rules.map((rule) => periodStart(rule.period, now).getTime()))].map((time) => new Date(time));

/**
 * Budgets in the turn (docs/budgets.md). Before the model call: the agent's resource_limits, then
 * every enabled budget of the organization and of the agent, against its current period's counter;
 * a spent one refuses the turn (429 budget_exceeded, Retry-After: until the period renews). The
 * counters themselves are kept by the turn-end statement (budget-spending-part.ts). Crossing an
 * alert threshold or a cap publishes its event once per period: at the end of the turn that crossed
 * it, which runs in a transaction only when the counter this process last read says the turn may
 * cross one, or else at the next check that finds it crossed.
 */
export function createBudgetHook(options: {
  db: Database;
  rules: BudgetRules;
  events: Pick<EventPublisher, 'publish'>;
  resourceLimits: AgentResourceLimits;
}): TurnHook {
  const { db, rules, events } = options;
  const lastRead = new Map<string, SpendingRow>();

  function remember(row: SpendingRow) {
    if (!lastRead.has(row.budgetId) && lastRead.size >= LAST_READ_SIZE) {
      lastRead.delete(lastRead.keys().next().value as string);
    }
    lastRead.set(row.budgetId, row);
  }

  /** The current periods' counters of `applying`, as `executor` sees them; remembered. */
  async function readCounters(
    executor: Executor,
    scope: TenantScope,
    applying: readonly BudgetRule[],
    now: Date,
  ) {
    const rows = await spendingOf(
      executor,
      scope,
      applying.map((rule) => rule.id),
      currentPeriodStarts(applying, now),
    );
    for (const row of rows) remember(row);
    return rows;
  }

  /** Claims each mark and publishes the events of those this call set (with `tx` when given). */
  async function announce(
    executor: Executor,
    tx: Executor | undefined,
    rule: BudgetRule,
    row: SpendingRow,
    runId: string | null,
    marks: readonly SpendingMark[],
  ) {
    const spent = { tokens: row.tokens, cost_usd: row.costUsd, runs: row.runs };
    const data = {
      budget_id: rule.id,
      agent_id: rule.agentId,
      period: rule.period,
      period_start: row.periodStart.toISOString(),
      period_end: periodEnd(rule.period, row.periodStart).toISOString(),
      token_limit: rule.tokenLimit,
      cost_limit_usd: rule.costLimitUsd,
      alert_threshold_percent: rule.alertThresholdPercent,
      spent,
      percent_used: percentUsed(rule, { tokens: row.tokens, costUsd: row.costUsd, runs: row.runs }),
      run_id: runId,
    };
    for (const mark of marks) {
      if (!(await claimMark(executor, row, mark))) continue;
      remember({ ...row, [mark]: new Date() });
      await events.publish(
        { type: eventOfMark[mark], organization_id: rule.organizationId, data },
        tx ? { tx } : {},
      );
    }
  }

  /** Announces what the counters show crossed; `tx` and `runId` when a turn's end does it. */
  async function announceCrossed(
    executor: Executor,
    tx: Executor | undefined,
    applying: readonly BudgetRule[],
    rows: readonly SpendingRow[],
    runId: string | null,
    now: Date,
  ) {
    for (const rule of applying) {
      const standing = standingOf(rule, rows, now);
      if (!standing.row) continue;
      const marks = crossings(rule, standing.spent, standing.row);
      if (marks.length > 0) await announce(executor, tx, rule, standing.row, runId, marks);
    }
  }

  return {
    name: 'budgets',
    async beforeModelCall(turn) {
      await options.resourceLimits.check(turn);
      const applying = rulesFor(await rules.of(turn.principal.organizationId), turn.agent.id);
      if (applying.length === 0) return;
      const now = new Date();
      const rows = await readCounters(db, turn.principal, applying, now);
      // A crossing the crossing turn's end could not see (another process's spending came between).
      await announceCrossed(db, undefined, applying, rows, null, now);
      const reached = applying
        .map((rule) => reachedCap(rule, standingOf(rule, rows, now)))
        .filter((cap): cap is SpentCap => cap !== undefined);
      if (reached.length === 0) return;
      // The turn may run again once every spent budget has renewed: name the one renewing last.
      const last = reached.reduce((latest, cap) => (cap.periodEnd > latest.periodEnd ? cap : latest));
      throw new BudgetExceededError(last, secondsUntil(last.periodEnd, now));
    },
    appliesTo(turn) {
      const known = rules.known(turn.principal.organizationId);
      // Not loaded (or changed meanwhile): the end reads the budgets through its transaction.
      if (known === undefined) return true;
      const now = new Date();
      return rulesFor(known, turn.agent.id).some((rule) => {
        const seen = lastRead.get(rule.id);
        const row =
          seen?.periodStart.getTime() === periodStart(rule.period, now).getTime() ? seen : undefined;
        const spent = {
          tokens: (row?.tokens ?? 0) + turn.usage.total_tokens,
          costUsd: (row?.costUsd ?? 0) + (turn.costEstimate ?? 0),
          runs: (row?.runs ?? 0) + 1,
        };
        return crossings(rule, spent, row).length > 0;
      });
    },
    async afterTurn(turn, tx) {
      const organizationId = turn.principal.organizationId;
      const known = rules.known(organizationId) ?? (await rules.readIn(tx, organizationId));
      const applying = rulesFor(known, turn.agent.id);
      if (applying.length === 0) return;
      const now = new Date();
      // The counters as this turn's end statement left them, locked until the transaction ends.
      const rows = await readCounters(tx, turn.principal, applying, now);
      await announceCrossed(tx, tx, applying, rows, turn.runId, now);
    },
  };
}

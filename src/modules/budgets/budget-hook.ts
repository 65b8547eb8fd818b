import type { Database, Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { EndedTurn, PlannedTurn, TurnHook } from '../execution/index.ts';
import type { AgentResourceLimits } from './agent-resource-limits.ts';
import { BudgetExceededError, type SpentCap } from './budget-errors.ts';
import { BUDGET_EVENTS } from './budget-events.ts';
import { periodEnd, periodStart, secondsUntil } from './budget-periods.ts';
import { addSpending, markSpending, type SpendingRow, spendingOf } from './budget-repository.ts';
import { type BudgetRule, type BudgetRules, rulesFor } from './budget-rules.ts';
import { percentUsed, reachedCap, standingOf } from './budget-standing.ts';

/**
 * Budgets in the turn (docs/budgets.md). Before the model call: the agent's resource_limits, then
 * every enabled budget of the organization and of the agent, against its current period's counter;
 * a spent one refuses the turn (429 budget_exceeded, Retry-After: until the period renews). At the
 * turn's end, in the transaction that stores it: the turn's tokens and cost are added to those
 * counters, and crossing an alert threshold or a cap publishes its event once per period.
 */
export function createBudgetHook(options: {
  db: Database;
  rules: BudgetRules;
  events: Pick<EventPublisher, 'publish'>;
  resourceLimits: AgentResourceLimits;
}): TurnHook {
  const { db, rules, events } = options;

  async function refuseSpent(turn: PlannedTurn) {
    const applying = rulesFor(await rules.of(turn.principal.organizationId), turn.agent.id);
    if (applying.length === 0) return;
    const now = new Date();
    const rows = await spendingOf(
      db,
      turn.principal,
      applying.map((rule) => rule.id),
      [...new Set(applying.map((rule) => periodStart(rule.period, now).getTime()))].map(
        (time) => new Date(time),
      ),
    );
    const reached = applying
      .map((rule) => reachedCap(rule, standingOf(rule, rows, now)))
      .filter((cap): cap is SpentCap => cap !== undefined);
    if (reached.length === 0) return;
    // The turn may run again once every spent budget has renewed: name the one renewing last.
    const last = reached.reduce((latest, cap) => (cap.periodEnd > latest.periodEnd ? cap : latest));
    throw new BudgetExceededError(last, secondsUntil(last.periodEnd, now));
  }

  async function announceCrossings(tx: Executor, turn: EndedTurn, rule: BudgetRule, row: SpendingRow) {
    const spent = { tokens: row.tokens, costUsd: row.costUsd, runs: row.runs };
    const percent = percentUsed(rule, spent);
    const threshold = rule.alertThresholdPercent;
    const crossedThreshold = threshold !== null && percent >= threshold && !row.thresholdAlertedAt;
    const crossedCap = percent >= 100 && !row.exceededAt;
    if (!crossedThreshold && !crossedCap) return;
    const now = new Date();
    await markSpending(tx, row, {
      ...(crossedThreshold ? { thresholdAlertedAt: now } : {}),
      ...(crossedCap ? { exceededAt: now } : {}),
    });
    const data = {
      budget_id: rule.id,
      agent_id: rule.agentId,
      period: rule.period,
      period_start: row.periodStart.toISOString(),
      period_end: periodEnd(rule.period, row.periodStart).toISOString(),
      token_limit: rule.tokenLimit,
      cost_limit_usd: rule.costLimitUsd,
      alert_threshold_percent: threshold,
      spent: { tokens: spent.tokens, cost_usd: spent.costUsd, runs: spent.runs },
      percent_used: percent,
      run_id: turn.runId,
    };
    const organization = turn.principal.organizationId;
    if (crossedThreshold) {
      await events.publish(
        { type: BUDGET_EVENTS.thresholdReached, organization_id: organization, data },
        { tx },
      );
    }
    if (crossedCap) {
      await events.publish({ type: BUDGET_EVENTS.exceeded, organization_id: organization, data }, { tx });
    }
  }

  return {
    name: 'budgets',
    async beforeModelCall(turn) {
      await options.resourceLimits.check(turn);
      await refuseSpent(turn);
    },
    appliesTo(turn) {
      const known = rules.known(turn.principal.organizationId);
      // Not loaded (or changed meanwhile): the end reads the budgets through its transaction.
      return known === undefined || rulesFor(known, turn.agent.id).length > 0;
    },
    async afterTurn(turn, tx) {
      const organizationId = turn.principal.organizationId;
      const known = rules.known(organizationId) ?? (await rules.readIn(tx, organizationId));
      const applying = rulesFor(known, turn.agent.id);
      if (applying.length === 0) return;
      const now = new Date();
      const rows = await addSpending(tx, {
        organizationId,
        budgetIds: applying.map((rule) => rule.id),
        periodStarts: {
          day: periodStart('day', now),
          week: periodStart('week', now),
          month: periodStart('month', now),
        },
        tokens: turn.usage.total_tokens,
        costUsd: turn.costEstimate ?? 0,
      });
      for (const row of rows) {
        const rule = applying.find((candidate) => candidate.id === row.budgetId);
        if (rule) await announceCrossings(tx, turn, rule, row);
      }
    },
  };
}

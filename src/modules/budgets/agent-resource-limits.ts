import type { Database } from '../../platform/db/database.ts';
import type { PlannedTurn, TurnAdmission } from '../execution/index.ts';
import { AgentConcurrencyLimitedError, BudgetExceededError } from './budget-errors.ts';
import { periodEnd, periodStart, secondsUntil } from './budget-periods.ts';
import { agentTokensSince, runningElsewhere } from './budget-repository.ts';

/**
 * An agent's own `resource_limits` (docs/budgets.md), checked before its turn's model call:
 * `max_concurrent_turns` counts this process's turns of the agent in memory (from their admission,
 * before their run's start is written) plus the agent's running runs of other processes;
 * `max_tokens_per_day` sums the tokens of the agent's runs since UTC midnight. Both read the
 * database only for agents that set them.
 */
export function createAgentResourceLimits(options: { db: Database; processId: string }) {
  const { db, processId } = options;
  const inProcess = new Map<string, number>();

  /** Counts every turn of this process by agent from its admission until it ends. */
  const tracker: TurnAdmission = {
    name: 'agent-turns-in-process',
    admit({ agentId }) {
      inProcess.set(agentId, (inProcess.get(agentId) ?? 0) + 1);
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          const left = (inProcess.get(agentId) ?? 1) - 1;
          if (left > 0) inProcess.set(agentId, left);
          else inProcess.delete(agentId);
        },
      };
    },
  };

  async function refuseConcurrent(turn: PlannedTurn, limit: number) {
    // This turn is counted already: the others are the rest.
    const here = (inProcess.get(turn.agent.id) ?? 1) - 1;
    if (here >= limit) throw new AgentConcurrencyLimitedError(turn.agent.id, limit);
    const elsewhere = await runningElsewhere(db, turn.principal, turn.agent.id, processId);
    if (here + elsewhere >= limit) throw new AgentConcurrencyLimitedError(turn.agent.id, limit);
  }

  async function refuseSpentDay(turn: PlannedTurn, limit: number) {
    const now = new Date();
    const start = periodStart('day', now);
    const tokens = await agentTokensSince(db, turn.principal, turn.agent.id, start);
    if (tokens < limit) return;
    const end = periodEnd('day', start);
    throw new BudgetExceededError(
      {
        budgetId: null,
        scope: 'agent_resource_limits',
        agentId: turn.agent.id,
        period: 'day',
        periodStart: start,
        periodEnd: end,
        limit: { tokens: limit },
        spent: { tokens, costUsd: 0 },
      },
      secondsUntil(end, now),
    );
  }

  return {
    tracker,
    async check(turn: PlannedTurn) {
      const limits = turn.agent.resource_limits;
      if (limits.max_concurrent_turns !== null) await refuseConcurrent(turn, limits.max_concurrent_turns);
      if (limits.max_tokens_per_day !== null) await refuseSpentDay(turn, limits.max_tokens_per_day);
    },
  };
}

export type AgentResourceLimits = ReturnType<typeof createAgentResourceLimits>;

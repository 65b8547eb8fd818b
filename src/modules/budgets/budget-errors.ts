import { AppError } from '../../platform/http/errors.ts';
import type { BudgetPeriod } from './budget-tables.ts';

/** What a refusal names: the cap that is reached and what was spent in its period. */
export interface SpentCap {
  budgetId: string | null;
  /** `organization`, `agent`, or the agent's own `resource_limits`. */
  scope: 'organization' | 'agent' | 'agent_resource_limits';
  agentId: string | null;
  period: BudgetPeriod;
  periodStart: Date;
  periodEnd: Date;
  limit: { tokens: number } | { costUsd: number };
  spent: { tokens: number; costUsd: number };
}

const adjective: Record<BudgetPeriod, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

const usd = (amount: number) => `${Number(amount.toFixed(4))} USD`;

function describe(cap: SpentCap): string {
  const whose =
    cap.scope === 'organization'
      ? 'the organization’s'
      : cap.scope === 'agent'
        ? 'the agent’s'
        : 'the agent’s resource_limits.max_tokens_per_day';
  const what = 'tokens' in cap.limit ? 'token' : 'cost';
  const limit = 'tokens' in cap.limit ? `${cap.limit.tokens} tokens` : usd(cap.limit.costUsd);
  const spent = 'tokens' in cap.limit ? `${cap.spent.tokens} tokens` : usd(cap.spent.costUsd);
  const budget =
    cap.scope === 'agent_resource_limits' ? whose : `${whose} ${adjective[cap.period]} ${what} budget`;
  return `${budget} is spent: ${spent} of ${limit} since ${cap.periodStart.toISOString()}; it renews at ${cap.periodEnd.toISOString()}`;
}

/** A cap on tokens or cost is reached for the current period (429 until the period ends). */
export class BudgetExceededError extends AppError {
  constructor(cap: SpentCap, retryAfterSeconds: number) {
    super('budget_exceeded', `Turn refused: ${describe(cap)}`, {
      status: 429,
      retryAfterSeconds,
      details: {
        budget_id: cap.budgetId,
        scope: cap.scope,
        agent_id: cap.agentId,
        period: cap.period,
        period_start: cap.periodStart.toISOString(),
        period_end: cap.periodEnd.toISOString(),
        ...('tokens' in cap.limit
          ? { token_limit: cap.limit.tokens }
          : { cost_limit_usd: cap.limit.costUsd }),
        spent: { tokens: cap.spent.tokens, cost_usd: cap.spent.costUsd },
        retry_after_seconds: retryAfterSeconds,
      },
    });
  }
}

/** The agent already runs as many turns as its resource_limits.max_concurrent_turns allows (429). */
export class AgentConcurrencyLimitedError extends AppError {
  constructor(agentId: string, limit: number) {
    super(
      'concurrency_limited',
      `The agent already runs ${limit} turn${limit === 1 ? '' : 's'} at once, the most its resource_limits.max_concurrent_turns allows; retry when one ends`,
      {
        status: 429,
        retryAfterSeconds: 1,
        details: { agent_id: agentId, limit, scope: 'agent_resource_limits' },
      },
    );
  }
}

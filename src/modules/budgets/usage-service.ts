import type { Database } from '../../platform/db/database.ts';
import { ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import { agentNames, usageGroups } from './usage-repository.ts';
import type { UsageQuery, UsageView } from './usage-schemas.ts';

/** A group, or the totals, before any run is added. */
const noUsage = { runs: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0 };

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_DAYS = 30;
/** The longest range one request may sum: a year, leap day included. */
export const MAX_RANGE_DAYS = 366;

const isDate = (value: string) => value.length === 10;

/** `from` and `to` as instants: a date `from` is its UTC midnight, a date `to` includes that whole day. */
function rangeOf(query: Pick<UsageQuery, 'from' | 'to'>, now: Date) {
  const to = query.to ? new Date(new Date(query.to).getTime() + (isDate(query.to) ? DAY_MS : 0)) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from >= to) {
    throw new ValidationError('The range is empty', [
      { field: 'from', location: 'querystring', message: 'must be before to', value: query.from ?? null },
    ]);
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw new ValidationError('The range is too long', [
      {
        field: 'from',
        location: 'querystring',
        message: `from and to may be at most ${MAX_RANGE_DAYS} days apart`,
        value: query.from ?? null,
      },
    ]);
  }
  return { from, to };
}

/** Every UTC day the range touches, oldest first. */
function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  const first = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let day = first; day < to.getTime(); day += DAY_MS)
    days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

const roundUsd = (amount: number) => Math.round(amount * 1e8) / 1e8;

/** What the organization's runs consumed (tokens, cost, runs), by day, agent, model or trigger. */
export function createUsageService(db: Database) {
  return {
    async usage(principal: Principal, query: UsageQuery): Promise<UsageView> {
      const { from, to } = rangeOf(query, new Date());
      const rows = await usageGroups(db, principal, query.group_by, {
        from,
        to,
        agentId: query.agent_id,
        trigger: query.trigger,
      });
      let groups = rows.map((row) => ({
        key: row.key,
        runs: row.runs,
        input_tokens: row.inputTokens,
        output_tokens: row.outputTokens,
        total_tokens: row.totalTokens,
        cost_usd: roundUsd(row.costUsd),
      }));
      if (query.group_by === 'day') {
        // A chart wants every day, the quiet ones too.
        const byDay = new Map(groups.map((group) => [group.key, group]));
        groups = daysOf(from, to).map((day) => byDay.get(day) ?? { key: day, ...noUsage });
      } else {
        groups.sort((a, b) => b.total_tokens - a.total_tokens || b.runs - a.runs);
      }
      if (query.group_by === 'agent') {
        const names = await agentNames(
          db,
          principal,
          groups.map((group) => group.key as string),
        );
        groups = groups.map((group) => ({ ...group, agent_name: names.get(group.key as string) ?? '' }));
      }
      const totals = groups.reduce(
        (sum, group) => ({
          runs: sum.runs + group.runs,
          input_tokens: sum.input_tokens + group.input_tokens,
          output_tokens: sum.output_tokens + group.output_tokens,
          total_tokens: sum.total_tokens + group.total_tokens,
          cost_usd: roundUsd(sum.cost_usd + group.cost_usd),
        }),
        noUsage,
      );
      return { from: from.toISOString(), to: to.toISOString(), group_by: query.group_by, totals, groups };
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;

import type { Schema } from '@agentry/client';
import { api, unwrap } from '../../api/client.ts';

export type Usage = Schema<'Usage'>;
export type UsageFigures = Usage['totals'];
export type Metric = 'runs' | 'tokens' | 'cost';

/** Agents drawn as their own part of each bar; the others are summed into one part. */
const AGENTS_DRAWN = 7;

export const metricValue = (figures: UsageFigures, metric: Metric) =>
  metric === 'runs' ? figures.runs : metric === 'tokens' ? figures.total_tokens : figures.cost_usd;

export interface UsageByDayAndAgent {
  /** Whole range, one group per agent (with its name). */
  byAgent: Usage;
  /** Whole organization, one group per UTC day of the range. */
  byDay: Usage;
  /** The most active agents' days, in byDay's order. */
  agentDays: { id: string; name: string; days: Usage['groups'] }[];
  /** True when more agents ran than are drawn apart. */
  othersFolded: boolean;
}

const utcDate = (date: Date) => date.toISOString().slice(0, 10);

/** The `from`/`to` dates of the last `days` UTC days, today included. */
export function lastDays(days: number, now = new Date()) {
  const from = new Date(now.getTime() - (days - 1) * 86_400_000);
  return { from: utcDate(from), to: utcDate(now) };
}

/**
 * The API sums usage by day or by agent, not both: per-day figures of each agent come from the
 * day grouping filtered to that agent (one request per agent drawn).
 */
export async function loadUsage(days: number): Promise<UsageByDayAndAgent> {
  const range = lastDays(days);
  const [byAgent, byDay] = await Promise.all([
    unwrap(api.GET('/api/v1/usage', { params: { query: { ...range, group_by: 'agent' } } })),
    unwrap(api.GET('/api/v1/usage', { params: { query: { ...range, group_by: 'day' } } })),
  ]);
  const drawn = [...byAgent.groups].sort((a, b) => b.runs - a.runs).slice(0, AGENTS_DRAWN);
  const agentDays = await Promise.all(
    drawn.map(async (group) => {
      const id = group.key ?? '';
      const usage = await unwrap(
        api.GET('/api/v1/usage', { params: { query: { ...range, group_by: 'day', agent_id: id } } }),
      );
      return { id, name: group.agent_name ?? id, days: usage.groups };
    }),
  );
  return { byAgent, byDay, agentDays, othersFolded: byAgent.groups.length > drawn.length };
}

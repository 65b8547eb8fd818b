import { useApi } from '../../api/use-api.ts';
import { BarChart } from '../../components/bar-chart.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page } from '../../components/page.tsx';
import { replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { formatCost, formatTokens } from '../runs/run-format.ts';
import { loadUsage, type Metric, metricValue, type UsageByDayAndAgent } from './usage-data.ts';
import './usage.css';

const METRICS: { value: Metric; label: string }[] = [
  { value: 'runs', label: 'Runs' },
  { value: 'tokens', label: 'Tokens' },
  { value: 'cost', label: 'Cost' },
];
const RANGES = [7, 30];

const formatMetric = (metric: Metric) => (value: number) =>
  metric === 'cost' ? formatCost(value) : formatTokens(Math.round(value * 100) / 100);

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** The chart's bars (days) and their parts (agents, then the others folded into one). */
function chartOf(usage: UsageByDayAndAgent, metric: Metric) {
  const categories = usage.byDay.groups.map((day) => ({
    key: day.key ?? '',
    label: dayLabel(day.key ?? ''),
  }));
  const series = usage.agentDays.map((agent) => ({ key: agent.id, label: agent.name }));
  const values = usage.byDay.groups.map((day, index) => {
    const parts = usage.agentDays.map((agent) => {
      const figures = agent.days.find((group) => group.key === day.key) ?? agent.days[index];
      return figures ? metricValue(figures, metric) : 0;
    });
    if (!usage.othersFolded) return parts;
    const drawn = parts.reduce((sum, value) => sum + value, 0);
    // What the organization spent that day beyond the agents drawn apart (never below zero from rounding).
    return [...parts, Math.max(0, metricValue(day, metric) - drawn)];
  });
  if (usage.othersFolded) series.push({ key: 'others', label: 'Other agents' });
  return { categories, series, values };
}

/** Runs, tokens and cost per day, stacked by agent, with the range's totals. */
export default function UsagePage({ query }: PageProps) {
  const metric = (METRICS.find((entry) => entry.value === query.get('metric'))?.value ?? 'runs') as Metric;
  const days = RANGES.includes(Number(query.get('days'))) ? Number(query.get('days')) : 7;
  const usage = useApi(() => loadUsage(days), [days]);
  const set = (changed: { metric?: string; days?: string }) =>
    replaceQuery({ metric, days: String(days), ...changed });
  const totals = usage.data?.byAgent.totals;
  const metricLabel = METRICS.find((entry) => entry.value === metric)?.label ?? metric;

  return (
    <Page title="Usage">
      <div className="toolbar usage-controls">
        <fieldset className="tabs usage-switch">
          <legend>Metric</legend>
          {METRICS.map((entry) => (
            <button
              key={entry.value}
              type="button"
              aria-pressed={metric === entry.value}
              onClick={() => set({ metric: entry.value })}
            >
              {entry.label}
            </button>
          ))}
        </fieldset>
        <fieldset className="tabs usage-switch">
          <legend>Range</legend>
          {RANGES.map((range) => (
            <button
              key={range}
              type="button"
              aria-pressed={days === range}
              onClick={() => set({ days: String(range) })}
            >
              Last {range} days
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorNotice error={usage.error} />
      {usage.loading && !usage.data ? <Loading what="Loading usage" /> : null}
      {usage.data && totals ? (
        <>
          <dl className="usage-totals" aria-label="Totals" aria-busy={usage.loading}>
            <div>
              <dt>Runs</dt>
              <dd data-testid="total-runs">{formatTokens(totals.runs)}</dd>
            </div>
            <div>
              <dt>Input tokens</dt>
              <dd>{formatTokens(totals.input_tokens)}</dd>
            </div>
            <div>
              <dt>Output tokens</dt>
              <dd>{formatTokens(totals.output_tokens)}</dd>
            </div>
            <div>
              <dt>Total tokens</dt>
              <dd data-testid="total-tokens">{formatTokens(totals.total_tokens)}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd data-testid="total-cost">{formatCost(totals.cost_usd)}</dd>
            </div>
          </dl>
          <section className="card">
            <h2 className="usage-chart-title">
              {metricLabel} per day and agent, last {days} days (UTC)
            </h2>
            {usage.data.byAgent.groups.length === 0 ? (
              <Empty>No runs in these days.</Empty>
            ) : (
              <BarChart
                title={`${metricLabel} per day and agent, last ${days} days`}
                {...chartOf(usage.data, metric)}
                format={formatMetric(metric)}
              />
            )}
          </section>
        </>
      ) : null}
    </Page>
  );
}

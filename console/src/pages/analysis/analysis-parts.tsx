import type { Schema } from '@agentry/client';
import { useEffect } from 'react';
import type { LiveEvent } from '../../api/live-events.ts';
import { JsonFigure } from '../../components/json-figure.tsx';

export type AnalysisRun = Schema<'AnalysisRun'>;

/** The analysis run events (docs/events.md); their data carries the run's progress. */
export const RUN_EVENTS = [
  'analysis-run-started',
  'analysis-run-progress',
  'analysis-run-completed',
  'analysis-run-failed',
  'analysis-run-cancelled',
];

const tone: Record<string, string> = { completed: 'ok', failed: 'bad', running: 'warn', queued: 'warn' };

export function RunStatusBadge({ status }: { status: string }) {
  return <span className={`badge ${tone[status] ?? ''}`}>{status}</span>;
}

/** What an event says of the run, laid over the run as last loaded (the event is newer). */
export function withEvent(run: AnalysisRun, event: LiveEvent): AnalysisRun {
  const data = event.data;
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const total = number(data.items_total, run.progress.items_total);
  const done = number(data.items_done, run.progress.items_done);
  const failed = number(data.items_failed, run.progress.items_failed);
  return {
    ...run,
    status: typeof data.status === 'string' ? (data.status as AnalysisRun['status']) : run.status,
    progress: {
      items_total: total,
      items_done: done,
      items_failed: failed,
      items_pending: Math.max(0, total - done - failed),
      percent: total === 0 ? 100 : Math.round(((done + failed) / total) * 100),
    },
    llm_tokens_used: number(data.llm_tokens_used, run.llm_tokens_used),
    cost_estimate:
      data.cost_estimate === null || typeof data.cost_estimate === 'number'
        ? data.cost_estimate
        : run.cost_estimate,
  };
}

/** items_done of items_total, as a bar and as text. */
export function RunProgress({ run }: { run: AnalysisRun }) {
  const { items_done, items_failed, items_total } = run.progress;
  return (
    <div className="run-progress">
      <progress max={items_total || 1} value={items_done + items_failed} aria-label="Items processed" />
      <span data-testid="run-progress">
        {items_done}/{items_total} done{items_failed ? `, ${items_failed} failed` : ''}
      </span>
    </div>
  );
}

export const formatCost = (cost: number | null) => (cost === null ? '—' : `$${cost.toFixed(4)}`);

/** A run item's input or output as JSON, sized for a table cell. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  return <JsonFigure value={value} label={label} className="json-view" />;
}

/**
 * Reads a run's part (its items, its proposals) again each time the run moved on (started, ended,
 * cancelled: `generation` grew); the rows shown stay in place meanwhile.
 */
export function useReloadWhenRunMoves(reload: () => Promise<void>, generation: number) {
  useEffect(() => {
    if (generation > 0) void reload();
  }, [generation, reload]);
}

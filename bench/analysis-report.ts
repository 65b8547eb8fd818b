import { ANALYSIS_CONCURRENCY, ANALYSIS_WARMUP_ITEMS, type AnalysisThroughput } from './analysis.ts';
import { formatMs, formatPercent, formatRate, formatTable } from './table.ts';
import type { TaskTarget } from './task-report.ts';
import type { TurnScenarioResult } from './turns.ts';

export interface AnalysisRun {
  throughput?: AnalysisThroughput;
  /** `POST /execute` at ANALYSIS_CONCURRENCY connections for as long as the run took: its ceiling. */
  executeConcurrent?: TurnScenarioResult;
}

/** The target: items/s against chat turns/s at the same concurrency, on PostgreSQL. */
const ITEMS_VS_TURNS = 0.8;

/**
 * An item's share of the run's wall time: the run held ANALYSIS_CONCURRENCY turn slots from its
 * start to its end, so each item took on average this long in one of them.
 */
const slotMs = (run: AnalysisThroughput) => (run.seconds * 1000 * ANALYSIS_CONCURRENCY) / run.items;

function formatThroughput(run: AnalysisRun): string {
  const header = ['way', 'done', 'seconds', 'per s', 'vs ceiling', ''];
  const rows: string[][] = [];
  const turns = run.executeConcurrent;
  if (turns) {
    const failed = turns.measurement.failed + turns.warmupFailed;
    rows.push([
      `${turns.label} x${turns.measurement.connections} (ceiling)`,
      String(turns.measurement.ok),
      (turns.measurement.ok / turns.measurement.turnsPerSecond).toFixed(2),
      formatRate(turns.measurement.turnsPerSecond),
      '',
      failed > 0 ? `<-- ${failed} FAILED TURNS` : '',
    ]);
  }
  const analysis = run.throughput;
  if (analysis) {
    rows.push([
      `analysis run: inline items, concurrency ${ANALYSIS_CONCURRENCY}, batch_size 1`,
      String(analysis.completed),
      analysis.seconds.toFixed(2),
      formatRate(analysis.itemsPerSecond),
      turns ? formatPercent(analysis.itemsPerSecond / turns.measurement.turnsPerSecond) : '-',
      analysis.completed < analysis.items || analysis.problems.length > 0 ? '<-- PROBLEMS' : '',
    ]);
  }
  return formatTable(header, rows);
}

/** Per item: the plain turn, the item's own turn, its share of the run, and the difference. */
function formatPerItem(run: AnalysisRun): string {
  const analysis = run.throughput;
  const turns = run.executeConcurrent?.measurement;
  const header = ['per item', 'p50 ms', 'p99 ms', 'mean ms'];
  const rows: string[][] = [];
  if (turns) {
    rows.push([
      `a plain turn: POST /execute x${turns.connections}, request sent to answer read`,
      formatMs(turns.p50Ms),
      formatMs(turns.p99Ms),
      '',
    ]);
  }
  if (analysis) {
    const slot = slotMs(analysis);
    rows.push(
      [
        'the item’s turn: latency_ms, turn start to answer (server, whole ms)',
        formatMs(analysis.itemLatency.p50Ms),
        formatMs(analysis.itemLatency.p99Ms),
        formatMs(analysis.itemLatency.meanMs),
      ],
      [`the item’s slot: run seconds x ${ANALYSIS_CONCURRENCY} / items`, '', '', formatMs(slot)],
    );
    if (turns)
      rows.push(['bookkeeping overhead: slot - plain turn’s p50', '', '', formatMs(slot - turns.p50Ms)]);
    rows.push([
      '  around the item’s turn: slot - its mean latency_ms',
      '',
      '',
      formatMs(slot - analysis.itemLatency.meanMs),
    ]);
    // Both runs keep the machine busy: the difference of their paces is what an item costs more.
    if (turns)
      rows.push([
        'extra time per item at full load: 1 / items/s - 1 / turns/s',
        '',
        '',
        formatMs(1000 / analysis.itemsPerSecond - 1000 / turns.turnsPerSecond),
      ]);
  }
  return formatTable(header, rows);
}

export function formatAnalysisRun(run: AnalysisRun): string {
  const analysis = run.throughput;
  const queued = analysis ? `; queued_at -> started_at ${formatMs(analysis.queuedToStartedMs)} ms` : '';
  return [
    `Analysis run (${analysis?.items.toLocaleString('en-US') ?? '?'} inline items after a run of ${ANALYSIS_WARMUP_ITEMS} for warm-up; ` +
      `items/s from the run's started_at to its completed_at${queued}; ceiling: POST /execute at as many connections for as long):`,
    formatThroughput(run),
    '',
    formatPerItem(run),
    '',
  ].join('\n');
}

/** The target for analysis runs, and the bookkeeping overhead (reported without a target). */
export function analysisTargets(run: AnalysisRun): TaskTarget[] {
  const analysis = run.throughput;
  const turns = run.executeConcurrent?.measurement;
  if (!analysis || !turns) return [];
  const ratio = analysis.itemsPerSecond / turns.turnsPerSecond;
  const slot = slotMs(analysis);
  return [
    {
      text:
        `analysis items/s >= ${formatPercent(ITEMS_VS_TURNS)} of POST /execute turns/s at ${ANALYSIS_CONCURRENCY} connections: ` +
        `${formatPercent(ratio)} (${formatRate(analysis.itemsPerSecond)} of ${formatRate(turns.turnsPerSecond)})`,
      pass: ratio >= ITEMS_VS_TURNS,
    },
    {
      text:
        `analysis bookkeeping overhead per item ${formatMs(slot - turns.p50Ms)} ms ` +
        `(slot ${formatMs(slot)} ms = ${analysis.seconds.toFixed(2)} s x ${ANALYSIS_CONCURRENCY} / ${analysis.items} items, ` +
        `minus a plain turn's p50 ${formatMs(turns.p50Ms)} ms)`,
      pass: null,
    },
  ];
}

export function analysisProblems(run: AnalysisRun): string[] {
  return [...(run.throughput?.problems ?? []), ...(run.executeConcurrent?.problems ?? [])];
}

export function analysisNotes(run: AnalysisRun): string[] {
  return [...(run.throughput?.notes ?? []), ...(run.executeConcurrent?.notes ?? [])];
}

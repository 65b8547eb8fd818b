import { formatMs, formatPercent, formatRate, formatSignedMs, formatTable, formatTimes } from './table.ts';
import type { ConcurrencyResult, GrowthResult, TurnScenarioKey, TurnScenarioResult } from './turns.ts';
import { GROWTH_WINDOW } from './turns.ts';

export interface TurnRun {
  results: TurnScenarioResult[];
  growth?: GrowthResult;
  concurrency?: ConcurrencyResult;
}

export interface TurnTarget {
  text: string;
  pass: boolean;
}

/** The targets for a turn, on PostgreSQL. */
const P50_OVER_CEILING_MS = 1;
const TURNS_PER_SECOND = 1_100;
const TTFT_OVER_CEILING_MS = 1;
/** The bench's reading of "flat": the last turns' p50 at most this many times the first turns'. */
const FLAT_RATIO = 1.25;

function find(run: TurnRun, key: TurnScenarioKey, connections: number) {
  return run.results.find((result) => result.key === key && result.measurement.connections === connections);
}

export function formatTurnTable(run: TurnRun): string {
  const header = [
    'scenario',
    'conns',
    'turns/s',
    'vs ceil',
    'p50 ms',
    'vs ceil',
    '- ceil',
    'p99 ms',
    'vs ceil',
    '- ceil',
    'TTFT p50',
    'vs ceil',
    '- ceil',
    'TTFT p99',
    '',
  ];
  const rows = run.results.map((result) => {
    const m = result.measurement;
    const ceiling = result.ceiling ? find(run, result.ceiling, m.connections)?.measurement : m;
    const failed = m.failed + result.warmupFailed;
    const ratio = (value: number, base: number | undefined) =>
      base === undefined ? '-' : formatTimes(value / base);
    const minus = (value: number, base: number | undefined) =>
      base === undefined ? '-' : formatSignedMs(value - base);
    return [
      result.ceiling ? result.label : `${result.label} (ceiling)`,
      String(m.connections),
      formatRate(m.turnsPerSecond),
      ceiling ? formatPercent(m.turnsPerSecond / ceiling.turnsPerSecond) : '-',
      formatMs(m.p50Ms),
      ratio(m.p50Ms, ceiling?.p50Ms),
      minus(m.p50Ms, ceiling?.p50Ms),
      formatMs(m.p99Ms),
      ratio(m.p99Ms, ceiling?.p99Ms),
      minus(m.p99Ms, ceiling?.p99Ms),
      formatMs(m.ttftP50Ms),
      result.streamed ? ratio(m.ttftP50Ms, ceiling?.ttftP50Ms) : '-',
      result.streamed ? minus(m.ttftP50Ms, ceiling?.ttftP50Ms) : '-',
      formatMs(m.ttftP99Ms),
      failed > 0 ? `<-- ${failed} FAILED TURNS` : '',
    ];
  });
  return formatTable(header, rows);
}

export function formatGrowth(growth: GrowthResult): string {
  return (
    `Session growth: ${growth.turns} turns one after the other on one session (${growth.messageCount} messages at the end): ` +
    `p50 of the first ${GROWTH_WINDOW} turns ${formatMs(growth.firstP50Ms)} ms, of the last ${GROWTH_WINDOW} ${formatMs(growth.lastP50Ms)} ms ` +
    `(last/first ${formatTimes(growth.lastP50Ms / growth.firstP50Ms)})`
  );
}

/** The targets; `binding` is false where the issue set them for another database. */
export function turnTargets(run: TurnRun): TurnTarget[] {
  const targets: TurnTarget[] = [];
  const pairs: [TurnScenarioKey, TurnScenarioKey, string][] = [
    ['execute', 'stub', 'POST /execute'],
    ['execute-stream', 'stub-stream', 'POST /execute/stream'],
  ];
  for (const [key, ceilingKey, name] of pairs) {
    const scenario = find(run, key, 1)?.measurement;
    const ceiling = find(run, ceilingKey, 1)?.measurement;
    if (scenario && ceiling) {
      const over = scenario.p50Ms - ceiling.p50Ms;
      targets.push({
        text: `${name} p50 <= ${P50_OVER_CEILING_MS} ms above the ceiling at 1 connection: ${formatSignedMs(over)} ms (${formatMs(scenario.p50Ms)} vs ${formatMs(ceiling.p50Ms)} ms)`,
        pass: over <= P50_OVER_CEILING_MS,
      });
    }
  }
  for (const [key, , name] of pairs) {
    const scenario = find(run, key, 16)?.measurement;
    if (scenario) {
      targets.push({
        text: `${name} >= ${formatRate(TURNS_PER_SECOND)} turns/s at 16 connections: ${formatRate(scenario.turnsPerSecond)} turns/s`,
        pass: scenario.turnsPerSecond >= TURNS_PER_SECOND,
      });
    }
  }
  const stream = find(run, 'execute-stream', 1)?.measurement;
  const streamCeiling = find(run, 'stub-stream', 1)?.measurement;
  if (stream && streamCeiling) {
    const over = stream.ttftP50Ms - streamCeiling.ttftP50Ms;
    targets.push({
      text: `POST /execute/stream time to first token <= ${TTFT_OVER_CEILING_MS} ms above the ceiling at 1 connection (p50): ${formatSignedMs(over)} ms (${formatMs(stream.ttftP50Ms)} vs ${formatMs(streamCeiling.ttftP50Ms)} ms)`,
      pass: over <= TTFT_OVER_CEILING_MS,
    });
  }
  if (run.growth) {
    const ratio = run.growth.lastP50Ms / run.growth.firstP50Ms;
    targets.push({
      text: `cost flat as one session grows to ${run.growth.messageCount} messages: p50 last/first ${GROWTH_WINDOW} turns ${formatTimes(ratio)} (flat read as <= ${formatTimes(FLAT_RATIO)})`,
      pass: ratio <= FLAT_RATIO,
    });
  }
  return targets;
}

export function turnProblems(run: TurnRun): string[] {
  return [
    ...run.results.flatMap((result) => result.problems),
    ...(run.growth?.problems ?? []),
    ...(run.concurrency?.problems ?? []),
  ];
}

export function turnNotes(run: TurnRun): string[] {
  return [
    ...run.results.flatMap((result) => result.notes),
    ...(run.growth?.notes ?? []),
    ...(run.concurrency?.notes ?? []),
  ];
}

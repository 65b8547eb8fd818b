import type { Measurement } from './load.ts';
import type { ScenarioKey } from './scenarios.ts';
import {
  formatGrowth,
  formatTurnTable,
  type TurnRun,
  turnNotes,
  turnProblems,
  turnTargets,
} from './turn-report.ts';

export interface ScenarioResult {
  key: ScenarioKey;
  label: string;
  measurement: Measurement;
  /** Failed requests of the warm-up run, which is otherwise not reported. */
  warmupFailed: number;
  /** Problems found: failed requests, or a check of the written data that did not add up. */
  problems: string[];
  notes: string[];
}

export interface DatabaseRun {
  name: 'PGlite' | 'PostgreSQL';
  description: string;
  /** The agent API group (empty with BENCH_ONLY=turns). */
  results: ScenarioResult[];
  /** The turn group (absent with BENCH_ONLY=agents). */
  turns?: TurnRun;
}

export interface TargetOutcome {
  text: string;
  pass: boolean;
  /** False when the issue sets the target for another database: shown for reference only. */
  binding: boolean;
}

const GET_RATIO_TARGET = 0.4;
const UPDATE_P50_TARGET_MS = 2;

const rate = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const signedMs = (value: number) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : 'n/a';
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a');

function find(run: DatabaseRun, key: ScenarioKey, connections: number): ScenarioResult | undefined {
  return run.results.find((result) => result.key === key && result.measurement.connections === connections);
}

export function formatTable(run: DatabaseRun): string {
  const header = [
    'scenario',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'req/s vs ceiling',
    'p50 vs ceiling ms',
    '',
  ];
  const rows = run.results.map((result) => {
    const { connections, requestsPerSecond, p50Ms, p99Ms } = result.measurement;
    const ceiling = find(run, 'ceiling', connections)?.measurement;
    const failed = result.measurement.failed + result.warmupFailed;
    return [
      result.key === 'ceiling' ? `${result.label} (ceiling)` : result.label,
      String(connections),
      rate(requestsPerSecond),
      ms(p50Ms),
      ms(p99Ms),
      ceiling ? percent(requestsPerSecond / ceiling.requestsPerSecond) : 'n/a',
      ceiling ? signedMs(p50Ms - ceiling.p50Ms) : 'n/a',
      failed > 0 ? `<-- ${failed} FAILED REQUESTS` : '',
    ];
  });
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function targetOutcomes(run: DatabaseRun): TargetOutcome[] {
  const outcomes: TargetOutcome[] = [];
  const binding = run.name === 'PostgreSQL';
  const reference = binding ? '' : ' [target set for PostgreSQL; reference only]';
  const get = find(run, 'get', 16)?.measurement;
  const ceiling = find(run, 'ceiling', 16)?.measurement;
  if (get && ceiling) {
    const ratio = get.requestsPerSecond / ceiling.requestsPerSecond;
    outcomes.push({
      text:
        `GET /api/v1/agents/{id} >= ${percent(GET_RATIO_TARGET)} of the ceiling's req/s at 16 connections: ` +
        `${percent(ratio)} (${rate(get.requestsPerSecond)} of ${rate(ceiling.requestsPerSecond)} req/s)${reference}`,
      pass: ratio >= GET_RATIO_TARGET,
      binding,
    });
  }
  const update = find(run, 'update', 1)?.measurement;
  if (update) {
    outcomes.push({
      text: `PATCH /api/v1/agents/{id} p50 <= ${UPDATE_P50_TARGET_MS} ms at 1 connection: ${ms(update.p50Ms)} ms`,
      pass: update.p50Ms <= UPDATE_P50_TARGET_MS,
      binding: true,
    });
  }
  for (const target of run.turns ? turnTargets(run.turns) : []) {
    outcomes.push({ text: `${target.text}${reference}`, pass: target.pass, binding });
  }
  return outcomes;
}

export const verdict = (outcome: TargetOutcome) => (outcome.pass ? 'PASS' : 'MISS');

export function formatRun(run: DatabaseRun): string {
  const notes = [
    ...run.results.flatMap((result) => result.notes),
    ...(run.turns ? turnNotes(run.turns) : []),
  ];
  const problems = [
    ...run.results.flatMap((result) => result.problems),
    ...(run.turns ? turnProblems(run.turns) : []),
  ];
  const sections = [`=== ${run.name}: ${run.description} ===`, ''];
  if (run.results.length > 0)
    sections.push('Agent API (autocannon; ceiling: GET /__bench/noop):', formatTable(run), '');
  if (run.turns) {
    sections.push(
      'Turns (one model call each; ceiling: the stub called directly; vs ceil = ratio, - ceil = difference in ms):',
      formatTurnTable(run.turns),
      '',
    );
    if (run.turns.growth) sections.push(formatGrowth(run.turns.growth), '');
  }
  return [
    ...sections,
    'Targets (from the issue):',
    ...targetOutcomes(run).map((outcome) => `  ${verdict(outcome)}  ${outcome.text}`),
    '',
    'Checks of the written data:',
    ...notes.map((note) => `  ${note}`),
    ...(problems.length > 0
      ? ['', '!!! PROBLEMS — these figures are not valid:', ...problems.map((p) => `  !!! ${p}`)]
      : []),
    '',
  ].join('\n');
}

/** Whether anything failed: a request, a turn, or a check of the written data. */
export const hasProblems = (run: DatabaseRun) =>
  run.results.some((result) => result.problems.length > 0) ||
  (run.turns !== undefined && turnProblems(run.turns).length > 0);

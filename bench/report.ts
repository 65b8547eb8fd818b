import {
  type AnalysisRun,
  analysisNotes,
  analysisProblems,
  analysisTargets,
  formatAnalysisRun,
} from './analysis-report.ts';
import type { Measurement } from './load.ts';
import { formatMemoryRun, type MemoryRun, memoryTargets } from './memory.ts';
import { formatOperationsRun, type OperationsRun } from './operations.ts';
import { formatRetrievalRun, type RetrievalRun, retrievalTargets } from './retrieval.ts';
import type { ScenarioKey } from './scenarios.ts';
import { formatMs, formatPercent, formatRate, formatSignedMs, formatTable } from './table.ts';
import { type TargetOutcome, verdict } from './targets.ts';
import { formatTaskRun, type TaskRun, taskNotes, taskProblems, taskTargets } from './task-report.ts';
import { formatToolsRun, type ToolsRun, toolsTargets } from './tools.ts';
import {
  formatGrowth,
  formatTurnTable,
  type TurnRun,
  turnNotes,
  turnProblems,
  turnTargets,
} from './turn-report.ts';
import { formatUploadTable, uploadOutcomes } from './upload-report.ts';
import type { UploadRun } from './uploads.ts';

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
  /** The agent API group (empty when BENCH_ONLY names another group). */
  results: ScenarioResult[];
  /** The turn group (absent when BENCH_ONLY names another group). */
  turns?: TurnRun;
  /** The tasks group (absent unless it runs). */
  tasks?: TaskRun;
  /** The analysis group (absent unless it runs). */
  analysis?: AnalysisRun;
  /** The knowledge group's uploads, through the server (absent unless the group runs). */
  uploads?: UploadRun;
  /** The knowledge group's retrieval, on a fresh database of the same kind (idem). */
  retrieval?: RetrievalRun;
  /** The memory group: recall and turns with memory, on a fresh database of the same kind (idem). */
  memory?: MemoryRun;
  /** The tools group: turns with an MCP tool call, on a fresh database of the same kind (idem). */
  tools?: ToolsRun;
  /** The operations group: turns with and without budgets, and scrapes, on a fresh database of the same kind (idem). */
  operations?: OperationsRun;
}

const GET_RATIO_TARGET = 0.4;
const UPDATE_P50_TARGET_MS = 2;

function find(run: DatabaseRun, key: ScenarioKey, connections: number): ScenarioResult | undefined {
  return run.results.find((result) => result.key === key && result.measurement.connections === connections);
}

function formatAgentTable(run: DatabaseRun): string {
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
      formatRate(requestsPerSecond),
      formatMs(p50Ms),
      formatMs(p99Ms),
      ceiling ? formatPercent(requestsPerSecond / ceiling.requestsPerSecond) : 'n/a',
      ceiling ? formatSignedMs(p50Ms - ceiling.p50Ms) : 'n/a',
      failed > 0 ? `<-- ${failed} FAILED REQUESTS` : '',
    ];
  });
  return formatTable(header, rows);
}

/** The targets of every group that ran; binding ones decide PASS or MISS on their database. */
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
        `GET /api/v1/agents/{id} >= ${formatPercent(GET_RATIO_TARGET)} of the ceiling's req/s at 16 connections: ` +
        `${formatPercent(ratio)} (${formatRate(get.requestsPerSecond)} of ${formatRate(ceiling.requestsPerSecond)} req/s)${reference}`,
      pass: ratio >= GET_RATIO_TARGET,
      binding,
    });
  }
  const update = find(run, 'update', 1)?.measurement;
  if (update) {
    outcomes.push({
      text: `PATCH /api/v1/agents/{id} p50 <= ${UPDATE_P50_TARGET_MS} ms at 1 connection: ${formatMs(update.p50Ms)} ms`,
      pass: update.p50Ms <= UPDATE_P50_TARGET_MS,
      binding: true,
    });
  }
  for (const target of run.turns ? turnTargets(run.turns) : []) {
    outcomes.push({ text: `${target.text}${reference}`, pass: target.pass, binding });
  }
  for (const target of run.tasks ? taskTargets(run.tasks) : []) {
    const shown = target.pass === null ? target.text : `${target.text}${reference}`;
    outcomes.push({ text: shown, pass: target.pass, binding });
  }
  for (const target of run.analysis ? analysisTargets(run.analysis) : []) {
    const shown = target.pass === null ? target.text : `${target.text}${reference}`;
    outcomes.push({ text: shown, pass: target.pass, binding });
  }
  if (run.uploads) outcomes.push(...uploadOutcomes(run.uploads));
  if (run.retrieval) outcomes.push(...retrievalTargets(run.retrieval));
  if (run.memory) outcomes.push(...memoryTargets(run.memory));
  if (run.tools) outcomes.push(...toolsTargets(run.tools));
  return outcomes;
}

/** Problems of every group: failed requests, turns or uploads, checks that did not add up. */
function problemsOf(run: DatabaseRun): string[] {
  return [
    ...run.results.flatMap((result) => result.problems),
    ...(run.turns ? turnProblems(run.turns) : []),
    ...(run.tasks ? taskProblems(run.tasks) : []),
    ...(run.analysis ? analysisProblems(run.analysis) : []),
    ...(run.uploads?.problems ?? []),
    ...(run.retrieval && run.retrieval.problems > 0
      ? [`retrieval: ${run.retrieval.problems} check(s) failed (the lines with !!! above)`]
      : []),
    ...(run.memory && run.memory.problems > 0
      ? [`memory: ${run.memory.problems} check(s) failed (the lines with !!! above)`]
      : []),
  ];
}

export function formatRun(run: DatabaseRun): string {
  const notes = [
    ...run.results.flatMap((result) => result.notes),
    ...(run.turns ? turnNotes(run.turns) : []),
    ...(run.tasks ? taskNotes(run.tasks) : []),
    ...(run.analysis ? analysisNotes(run.analysis) : []),
    ...(run.uploads?.notes ?? []),
  ];
  const problems = problemsOf(run);
  const sections = [`=== ${run.name}: ${run.description} ===`, ''];
  if (run.results.length > 0)
    sections.push('Agent API (autocannon; ceiling: GET /__bench/noop):', formatAgentTable(run), '');
  if (run.turns) {
    sections.push(
      'Turns (one model call each; ceiling: the stub called directly; vs ceil = ratio, - ceil = difference in ms):',
      formatTurnTable(run.turns),
      '',
    );
    if (run.turns.growth) sections.push(formatGrowth(run.turns.growth), '');
  }
  if (run.tasks) sections.push(formatTaskRun(run.tasks));
  if (run.analysis) sections.push(formatAnalysisRun(run.analysis));
  if (run.uploads) {
    sections.push(
      'Uploads (a text document, each upload new; ceilings measured once, before the databases: the same bytes copied on disk, the same request to a server that discards it):',
      formatUploadTable(run.uploads),
      '',
    );
  }
  if (run.retrieval) sections.push(formatRetrievalRun(run.retrieval), '');
  if (run.memory) sections.push(formatMemoryRun(run.memory), '');
  if (run.tools) sections.push(formatToolsRun(run.tools), '');
  if (run.operations) sections.push(formatOperationsRun(run.operations), '');
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

/** Whether anything failed: a request, a turn, an upload, or a check of the written data. */
export const hasProblems = (run: DatabaseRun) => problemsOf(run).length > 0;

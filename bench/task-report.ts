import { formatMs, formatPercent, formatRate, formatTable, formatTimes } from './table.ts';
import {
  LATENCY_WARMUP_TASKS,
  type Spread,
  TASK_CREATORS,
  TASK_WORKERS,
  type TaskLatency,
  type TaskThroughput,
  THROUGHPUT_WARMUP_TASKS,
} from './tasks.ts';
import type { TurnScenarioResult } from './turns.ts';

export interface TaskRun {
  throughput?: TaskThroughput;
  /** `POST /execute` at TASK_WORKERS connections for as long as the throughput run took: its ceiling. */
  executeConcurrent?: TurnScenarioResult;
  latency?: TaskLatency;
  /** `POST /execute` at 1 connection: the latency's ceiling. */
  executeSingle?: TurnScenarioResult;
}

/** The targets for tasks, on PostgreSQL. */
const TASKS_VS_TURNS = 0.8;
const QUEUED_TO_STARTED_P50_MS = 20;

/** A target met or not; null for a figure reported without one. */
export interface TaskTarget {
  text: string;
  pass: boolean | null;
}

const failedTurns = (result: TurnScenarioResult) => result.measurement.failed + result.warmupFailed;

function formatThroughput(run: TaskRun): string {
  const header = ['way', 'done', 'seconds', 'per s', 'vs ceiling', ''];
  const rows: string[][] = [];
  const turns = run.executeConcurrent;
  if (turns) {
    const failed = failedTurns(turns);
    rows.push([
      `${turns.label} x${turns.measurement.connections} (ceiling)`,
      String(turns.measurement.ok),
      (turns.measurement.ok / turns.measurement.turnsPerSecond).toFixed(2),
      formatRate(turns.measurement.turnsPerSecond),
      '',
      failed > 0 ? `<-- ${failed} FAILED TURNS` : '',
    ]);
  }
  const tasks = run.throughput;
  if (tasks) {
    const lost = tasks.tasks - tasks.completed;
    rows.push([
      `tasks (queue: true): created by ${TASK_CREATORS} clients, run by ${TASK_WORKERS} workers`,
      String(tasks.completed),
      tasks.seconds.toFixed(2),
      formatRate(tasks.tasksPerSecond),
      turns ? formatPercent(tasks.tasksPerSecond / turns.measurement.turnsPerSecond) : '-',
      lost > 0 || tasks.problems.length > 0 ? '<-- PROBLEMS' : '',
    ]);
    // When the creations end well before the last task, a backlog built up: the workers set the pace.
    rows.push([
      `  of which their creation: POST /api/v1/agents/{id}/tasks x${TASK_CREATORS}`,
      String(tasks.tasks),
      tasks.creationSeconds.toFixed(2),
      formatRate(tasks.tasks / tasks.creationSeconds),
      '',
      '',
    ]);
  }
  return formatTable(header, rows);
}

function formatLatency(run: TaskRun): string {
  const ceiling = run.executeSingle?.measurement;
  const header = ['measure', 'p50 ms', 'p99 ms', 'p50 vs ceiling', ''];
  const rows: string[][] = [];
  if (run.executeSingle && ceiling) {
    const failed = failedTurns(run.executeSingle);
    rows.push([
      `${run.executeSingle.label} x1 (ceiling)`,
      formatMs(ceiling.p50Ms),
      formatMs(ceiling.p99Ms),
      '',
      failed > 0 ? `<-- ${failed} FAILED TURNS` : '',
    ]);
  }
  const latency = run.latency;
  if (latency) {
    const measures: [string, Spread][] = [
      ['queued_at -> started_at (server clock, whole ms)', latency.queuedToStarted],
      ['created_at -> completed_at (server clock, whole ms)', latency.createdToCompleted],
      ['request sent -> task-completed event read (client)', latency.observed],
    ];
    for (const [label, spread] of measures) {
      rows.push([
        label,
        formatMs(spread.p50Ms),
        formatMs(spread.p99Ms),
        ceiling ? formatTimes(spread.p50Ms / ceiling.p50Ms) : '-',
        latency.problems.length > 0 ? '<-- PROBLEMS' : '',
      ]);
    }
  }
  return formatTable(header, rows);
}

export function formatTaskRun(run: TaskRun): string {
  const sections: string[] = [];
  if (run.throughput || run.executeConcurrent) {
    sections.push(
      `Task throughput (${run.throughput?.tasks ?? '?'} tasks after ${THROUGHPUT_WARMUP_TASKS} for warm-up, TASK_WORKER_CONCURRENCY=${TASK_WORKERS}; ` +
        'from the first creation request to the last completed_at; ceiling: POST /execute at as many connections for as long):',
      formatThroughput(run),
      '',
    );
  }
  if (run.latency || run.executeSingle) {
    sections.push(
      `Task latency on an idle queue (${run.latency?.samples ?? '?'} tasks one at a time, after ${LATENCY_WARMUP_TASKS} for warm-up; ceiling: one POST /execute turn):`,
      formatLatency(run),
      '',
    );
  }
  return sections.join('\n');
}

/** The targets for tasks, and the latency against a turn's (reported without a target). */
export function taskTargets(run: TaskRun): TaskTarget[] {
  const targets: TaskTarget[] = [];
  const tasks = run.throughput;
  const turns = run.executeConcurrent?.measurement;
  if (tasks && turns) {
    const ratio = tasks.tasksPerSecond / turns.turnsPerSecond;
    targets.push({
      text:
        `queued tasks/s >= ${formatPercent(TASKS_VS_TURNS)} of POST /execute turns/s at ${TASK_WORKERS} connections: ` +
        `${formatPercent(ratio)} (${formatRate(tasks.tasksPerSecond)} of ${formatRate(turns.turnsPerSecond)})`,
      pass: ratio >= TASKS_VS_TURNS,
    });
  }
  const latency = run.latency;
  if (latency) {
    const { p50Ms } = latency.queuedToStarted;
    targets.push({
      text: `task queued -> started p50 <= ${QUEUED_TO_STARTED_P50_MS} ms on an idle queue: ${formatMs(p50Ms)} ms (p99 ${formatMs(latency.queuedToStarted.p99Ms)} ms)`,
      pass: p50Ms <= QUEUED_TO_STARTED_P50_MS,
    });
    const ceiling = run.executeSingle?.measurement;
    if (ceiling) {
      const { p50Ms: completedP50 } = latency.createdToCompleted;
      targets.push({
        text: `task created -> completed p50 ${formatMs(completedP50)} ms, ${formatTimes(completedP50 / ceiling.p50Ms)} one POST /execute turn's p50 (${formatMs(ceiling.p50Ms)} ms)`,
        pass: null,
      });
    }
  }
  return targets;
}

export function taskProblems(run: TaskRun): string[] {
  return [
    ...(run.throughput?.problems ?? []),
    ...(run.executeConcurrent?.problems ?? []),
    ...(run.latency?.problems ?? []),
    ...(run.executeSingle?.problems ?? []),
  ];
}

export function taskNotes(run: TaskRun): string[] {
  return [
    ...(run.throughput?.notes ?? []),
    ...(run.executeConcurrent?.notes ?? []),
    ...(run.latency?.notes ?? []),
    ...(run.executeSingle?.notes ?? []),
  ];
}

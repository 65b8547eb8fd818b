import type { TaskLedgerRow } from './task-ledger.ts';
import { taskMarker } from './task-markers.ts';

/**
 * How the model stub treats a task: most are answered; a few are refused for good (400: dead
 * after one attempt, not retried), and a few are rate-limited on their first call (429: a
 * retryable failure, so a second attempt answers them).
 */
export type Behaviour = 'answered' | 'refused' | 'rate-limited-once';

/** What the test saw of a task outside the database. */
export interface TaskObservation {
  behaviour: Behaviour;
  /** Chat completions the model stub received for it. */
  modelCalls: number;
  /** Its runs by status. */
  runs: Record<string, number>;
}

/**
 * What is wrong with a task's record after the run, if anything. Delivery is at least once, so a
 * task may start more than once (a redelivery after a kill or a lost connection), but it ends once;
 * the bounds say that nothing ran without a start: a model call follows a start, a completed run
 * follows a model call.
 */
export function taskViolations(task: TaskLedgerRow, seen: TaskObservation): string[] {
  const violations: string[] = [];
  const check = (condition: boolean, what: string) => {
    if (!condition) violations.push(`${task.key}: ${what} ${JSON.stringify({ ...task, ...seen })}`);
  };
  const completedRuns = seen.runs.completed ?? 0;
  // A job per attempt at least (more when its agent was at capacity and it was put back).
  check(task.jobs >= task.attemptCount, 'a job for each attempt');
  check(task.starts >= task.attemptCount && task.starts <= task.deliveries, 'a start for each attempt');
  // Each start asks the model once at most (one step, no model retries, no suggestions).
  check(seen.modelCalls <= task.starts, 'no more model calls than starts');
  check(completedRuns <= seen.modelCalls, 'no more completed runs than model calls');
  check(task.attempts.other === 0, 'no attempt left running');

  if (seen.behaviour === 'refused') {
    check(task.status === 'dead', 'dead');
    check(task.errorCode === 'provider_error', "dead with the model's refusal");
    check(task.attempts.completed === 0 && completedRuns === 0, 'no completed attempt or run');
    return violations;
  }
  check(task.status === 'completed', 'completed');
  check(task.attempts.completed === 1 && task.completedAttemptIsLast, 'one completed attempt, the last');
  check(task.run.status === 'completed', 'its run completed');
  check(task.run.message?.includes(taskMarker(task.key)) ?? false, 'its run is its own');
  check(
    task.answer === task.run.output && (task.answer?.includes(taskMarker(task.key)) ?? false),
    "its answer is its run's, to its own message",
  );
  // Started once and completed: the model was asked once, and there is one run. A second completed
  // run needs a second delivery of the attempt (one whose worker lost its claim but finished anyway).
  if (task.starts === 1) check(seen.modelCalls === 1 && completedRuns === 1, 'one model call and run');
  if (completedRuns > 1) check(task.redeliveredStarts > 0, 'a second completed run only after a redelivery');
  if (seen.behaviour === 'rate-limited-once') {
    // Its first model call was refused: unless that call's worker died, a second attempt ran.
    check(task.attemptCount >= 2 || task.redeliveredStarts > 0, 'retried');
  }
  return violations;
}

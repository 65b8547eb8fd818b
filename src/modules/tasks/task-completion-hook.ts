import type { TurnHook } from '../execution/index.ts';
import { type AttemptEndDeps, endTaskAttempt, type RunningAttempt } from './task-attempt-end.ts';

/** An attempt whose turn is running, by its run id; `completed` once its turn's end completed it. */
export type AttemptsByRun = Map<string, RunningAttempt & { completed: boolean }>;

/**
 * Completes a task's attempt in the transaction that stores its turn's end: the run and the task
 * commit together (a worker that dies in between cannot leave a completed run with a running task,
 * whose redelivery would run the turn again), and the task costs no transaction of its own.
 * Failed and cancelled turns are ended by the task job, which decides about retries.
 */
export function taskCompletionHook(deps: AttemptEndDeps, attempts: AttemptsByRun): TurnHook {
  return {
    name: 'task-completion',
    appliesTo: (turn) => turn.status === 'completed' && attempts.has(turn.runId),
    async afterTurn(turn, tx) {
      const running = attempts.get(turn.runId);
      if (!running) return;
      running.completed = await endTaskAttempt(
        tx,
        deps,
        running,
        {
          taskStatus: 'completed',
          attemptStatus: 'completed',
          result: { answer: turn.answer ?? '', structured_output: turn.structuredOutput },
          runId: turn.runId,
          finished: true,
        },
        'task_completed',
      );
    },
  };
}

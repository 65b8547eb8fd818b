import type { CheckResult, HealthCheck } from './health-checks.ts';

export interface DatabaseCheckResult extends CheckResult {
  latency_ms?: number;
}

export interface TaskProcessingCheckResult extends CheckResult {
  queues?: { name: string; queued: number; active: number }[];
}

/** The database answers a round trip; `latency_ms` is how long it took. */
export function databaseCheck(ping: () => Promise<void>): HealthCheck<DatabaseCheckResult> {
  return async () => {
    const started = performance.now();
    try {
      await ping();
    } catch {
      return { status: 'error', message: 'The database did not answer' };
    }
    return { status: 'healthy', latency_ms: Math.round(performance.now() - started) };
  };
}

/** A queue's counts, as the job queue reports them; null for a queue that does not exist. */
export type QueueState = (queue: string) => Promise<{ queued: number; active: number } | null>;

/**
 * The job queue answers for the queues that process the agent's background work, each of which
 * exists. Until agent tasks exist (a later module adds their queue), that is the monitor's own
 * queue: the one that recovers the agent.
 */
export function taskProcessingCheck(
  queueState: QueueState,
  queues: string[],
): HealthCheck<TaskProcessingCheckResult> {
  return async () => {
    let states: ({ queued: number; active: number } | null)[];
    try {
      states = await Promise.all(queues.map((queue) => queueState(queue)));
    } catch {
      return { status: 'error', message: 'The job queue did not answer' };
    }
    const missing = queues.filter((_queue, index) => states[index] === null);
    if (missing.length > 0) {
      return { status: 'error', message: `The job queue has no queue ${missing.join(', ')}` };
    }
    return {
      status: 'healthy',
      queues: queues.map((name, index) => ({
        name,
        ...(states[index] as { queued: number; active: number }),
      })),
    };
  };
}

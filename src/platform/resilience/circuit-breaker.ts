export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  consecutive_failures: number;
  opened_at: string | null;
  last_failure: string | null;
  successes: number;
  failures: number;
}

export class CircuitOpenError extends Error {
  readonly breaker: string;
  readonly retryAfterMs: number;
  constructor(breaker: string, retryAfterMs: number) {
    super(`Circuit breaker for ${breaker} is open; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'CircuitOpenError';
    this.breaker = breaker;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through (half-open). */
  recoveryTimeoutMs: number;
  /** Failures the caller caused (a 400, a bad key) say nothing about the service's health. */
  countsAsFailure?: (error: unknown) => boolean;
  now?: () => number;
}

/**
 * A circuit breaker (closed → open → half-open → closed). State lives in this process: each
 * process protects itself from a failing service, which needs no coordination.
 */
export function createCircuitBreaker(name: string, options: BreakerOptions) {
  const now = options.now ?? Date.now;
  let state: BreakerState = 'closed';
  let consecutiveFailures = 0;
  let openedAt: number | null = null;
  let trialInFlight = false;
  let lastFailure: string | null = null;
  let successes = 0;
  let failures = 0;

  function currentState(): BreakerState {
    if (state === 'open' && openedAt !== null && now() - openedAt >= options.recoveryTimeoutMs)
      state = 'half-open';
    return state;
  }

  return {
    name,
    async execute<T>(operation: () => Promise<T>): Promise<T> {
      const observed = currentState();
      if (observed === 'open' || (observed === 'half-open' && trialInFlight)) {
        const waited = openedAt === null ? 0 : now() - openedAt;
        throw new CircuitOpenError(name, Math.max(0, options.recoveryTimeoutMs - waited));
      }
      const isTrial = observed === 'half-open';
      if (isTrial) trialInFlight = true;
      try {
        const result = await operation();
        successes++;
        consecutiveFailures = 0;
        state = 'closed';
        openedAt = null;
        return result;
      } catch (error) {
        if (options.countsAsFailure?.(error) ?? true) {
          failures++;
          consecutiveFailures++;
          lastFailure = (error as Error)?.message ?? String(error);
          if (isTrial || consecutiveFailures >= options.failureThreshold) {
            state = 'open';
            openedAt = now();
          }
        }
        throw error;
      } finally {
        if (isTrial) trialInFlight = false;
      }
    },
    snapshot(): BreakerSnapshot {
      return {
        name,
        state: currentState(),
        consecutive_failures: consecutiveFailures,
        opened_at: openedAt === null ? null : new Date(openedAt).toISOString(),
        last_failure: lastFailure,
        successes,
        failures,
      };
    },
  };
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;

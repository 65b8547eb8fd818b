/** Every rate limit counts requests per minute. */
export const WINDOW_MS = 60_000;

/** The window a moment falls in: minutes since the Unix epoch. */
export const windowAt = (nowMs: number) => Math.floor(nowMs / WINDOW_MS);

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left now (after this one, when it was allowed). */
  remaining: number;
  /** Seconds until the current window ends, or until a request is allowed again when none is left. */
  resetSeconds: number;
  /** Seconds until a request is allowed again; 0 when this one was. */
  retryAfterSeconds: number;
}

/**
 * The sliding-window estimate (the previous window's count weighted by how much of it still lies
 * within the last minute, plus the current window's count): unlike fixed windows, a burst across a
 * window boundary cannot pass twice the limit.
 */
export function estimateAt(nowMs: number, previous: number, current: number): number {
  const elapsed = (nowMs % WINDOW_MS) / WINDOW_MS;
  return previous * (1 - elapsed) + current;
}

/** Milliseconds from `nowMs` until the estimate leaves room for one more request. */
function waitMs(nowMs: number, limit: number, previous: number, current: number): number {
  const intoWindow = nowMs % WINDOW_MS;
  if (current + 1 <= limit) {
    // Wait for the previous window's weight to fall far enough, within this window.
    if (previous === 0) return 0;
    const neededElapsed = WINDOW_MS * (1 - (limit - 1 - current) / previous);
    return Math.max(0, neededElapsed - intoWindow);
  }
  // This window alone is full: in the next one it is the previous window, and must weigh less.
  const neededElapsed = WINDOW_MS * (1 - (limit - 1) / current);
  return WINDOW_MS - intoWindow + Math.max(0, neededElapsed);
}

/** Whether one more request fits, given the counts of the previous and the current window. */
export function decide(nowMs: number, limit: number, previous: number, current: number): RateDecision {
  const estimate = estimateAt(nowMs, previous, current);
  const windowEndSeconds = Math.ceil((WINDOW_MS - (nowMs % WINDOW_MS)) / 1000);
  if (estimate + 1 <= limit) {
    return {
      allowed: true,
      limit,
      remaining: Math.max(0, Math.floor(limit - estimate - 1)),
      resetSeconds: windowEndSeconds,
      retryAfterSeconds: 0,
    };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs(nowMs, limit, previous, current) / 1000));
  return { allowed: false, limit, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterSeconds };
}

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How much the bound grows per attempt; 2 when absent. */
  multiplier?: number | undefined;
  /** Full jitter (a random wait up to the bound) unless false (the bound itself). */
  jitter?: boolean | undefined;
  /** Only errors this accepts are retried; anything else fails at once. */
  isRetryable: (error: unknown) => boolean;
  /** A server's own hint (e.g. Retry-After), in milliseconds, wins over the computed delay. */
  retryAfterMs?: (error: unknown) => number | undefined;
}

export class RetriesExhaustedError extends Error {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`Gave up after ${attempts} attempts: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RetriesExhaustedError';
    this.attempts = attempts;
  }
}

/**
 * Exponential backoff, by default with full jitter: a random delay in
 * [0, min(max, base * multiplier^attempt)], or that bound itself without jitter.
 */
export function backoffDelayMs(
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>,
  attempt: number,
  random = Math.random,
) {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * (policy.multiplier ?? 2) ** attempt);
  return Math.round(policy.jitter === false ? bound : random() * bound);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or uses up its attempts
 * (then throws RetriesExhaustedError with the last error as cause). Aborting stops the waiting too.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: {
    signal?: AbortSignal | undefined;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted || !policy.isRetryable(error)) throw error;
      if (attempt + 1 >= policy.maxAttempts) throw new RetriesExhaustedError(attempt + 1, error);
      const delayMs = Math.min(
        policy.retryAfterMs?.(error) ?? backoffDelayMs(policy, attempt),
        policy.maxDelayMs,
      );
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterHeaderMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

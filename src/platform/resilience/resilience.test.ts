import { describe, expect, it } from 'vitest';
import { CircuitOpenError, createCircuitBreaker } from './circuit-breaker.ts';
import { backoffDelayMs, RetriesExhaustedError, withRetry } from './retry.ts';

class Transient extends Error {}
const fast = {
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  isRetryable: (error: unknown) => error instanceof Transient,
};

describe('withRetry', () => {
  it('retries retryable errors until success, passing the attempt number', async () => {
    const attempts: number[] = [];
    const result = await withRetry(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 2) throw new Transient('flaky');
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('fails at once on a non-retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new Error('bad request');
      }, fast),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error as cause', async () => {
    const failure = withRetry(async () => {
      throw new Transient('still down');
    }, fast);
    await expect(failure).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(failure).rejects.toMatchObject({ attempts: 4, cause: expect.any(Transient) });
  });

  it('honours a Retry-After hint, capped by the maximum delay', async () => {
    const delays: number[] = [];
    await withRetry(
      async (attempt) => {
        if (attempt === 0) throw new Transient('slow down');
        return 'ok';
      },
      { ...fast, maxDelayMs: 30, retryAfterMs: () => 1_000 },
      { onRetry: (_error, _attempt, delay) => delays.push(delay) },
    );
    expect(delays).toEqual([30]);
  });

  it('grows the backoff exponentially with full jitter', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelayMs(policy, attempt, () => 1))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(400);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
    // Seed 004's RetryConfig: another multiplier, and no jitter (the bound itself).
    const seeded = { ...policy, multiplier: 3, jitter: false };
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(seeded, attempt, () => 0))).toEqual([
      100, 300, 900, 1_000,
    ]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const failure = withRetry(
      async () => {
        throw new Transient('down');
      },
      { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      {
        signal: controller.signal,
        onRetry: () => setTimeout(() => controller.abort(new Error('cancelled')), 5),
      },
    );
    await expect(failure).rejects.toThrow('cancelled');
  });
});

describe('circuit breaker', () => {
  function breakerAt(clock: { now: number }) {
    return createCircuitBreaker('provider-x', {
      failureThreshold: 3,
      recoveryTimeoutMs: 1_000,
      countsAsFailure: (error) => error instanceof Transient,
      now: () => clock.now,
    });
  }
  const fail = async () => {
    throw new Transient('down');
  };

  it('opens after consecutive failures, rejects fast while open, half-opens after the timeout, closes on success', async () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let index = 0; index < 3; index++)
      await expect(breaker.execute(fail)).rejects.toBeInstanceOf(Transient);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', consecutive_failures: 3, failures: 3 });
    let called = false;
    await expect(
      breaker.execute(async () => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    clock.now = 1_000;
    expect(breaker.snapshot().state).toBe('half-open');
    await expect(breaker.execute(async () => 'recovered')).resolves.toBe('recovered');
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });

  it('reopens when the half-open trial fails, and lets only one trial through', async () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let index = 0; index < 3; index++) await expect(breaker.execute(fail)).rejects.toThrow();
    clock.now = 1_500;
    let release: () => void = () => undefined;
    const trial = breaker.execute(
      () =>
        new Promise<void>((_resolve, reject) => {
          release = () => reject(new Transient('still down'));
        }),
    );
    await expect(breaker.execute(async () => 'second')).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).rejects.toBeInstanceOf(Transient);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', opened_at: new Date(1_500).toISOString() });
  });

  it('does not count the caller’s own errors against the service', async () => {
    const breaker = breakerAt({ now: 0 });
    for (let index = 0; index < 5; index++) {
      await expect(
        breaker.execute(async () => {
          throw new Error('invalid request');
        }),
      ).rejects.toThrow();
    }
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', consecutive_failures: 0 });
  });
});

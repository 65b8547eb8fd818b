import { describe, expect, it } from 'vitest';
import { decide, estimateAt, WINDOW_MS, windowAt } from './sliding-window.ts';

const windowStart = 28_000_000 * WINDOW_MS;

describe('the sliding window', () => {
  it('numbers windows by the minute', () => {
    expect(windowAt(windowStart)).toBe(28_000_000);
    expect(windowAt(windowStart + WINDOW_MS - 1)).toBe(28_000_000);
    expect(windowAt(windowStart + WINDOW_MS)).toBe(28_000_001);
  });

  it('weighs the previous window by the share of it still within the last minute', () => {
    expect(estimateAt(windowStart, 60, 0)).toBe(60);
    expect(estimateAt(windowStart + WINDOW_MS / 4, 60, 10)).toBe(55);
    expect(estimateAt(windowStart + WINDOW_MS / 2, 60, 10)).toBe(40);
  });

  it('admits up to the limit, counting down what remains', () => {
    const first = decide(windowStart + 15_000, 60, 0, 0);
    expect(first).toEqual({
      allowed: true,
      limit: 60,
      remaining: 59,
      resetSeconds: 45,
      retryAfterSeconds: 0,
    });
    expect(decide(windowStart + 15_000, 60, 0, 59)).toMatchObject({ allowed: true, remaining: 0 });
    expect(decide(windowStart + 15_000, 60, 0, 60)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('refuses a burst across the boundary that fixed windows would let through twice', () => {
    // 60 requests at the end of one window, then more at the start of the next.
    const refused = decide(windowStart + 500, 60, 60, 0);
    expect(refused.allowed).toBe(false);
    // Room for one once the previous window weighs 59: 1/60 of the way in, at 1 s.
    expect(refused.retryAfterSeconds).toBe(1);
    expect(decide(windowStart + 30_000, 60, 60, 0)).toMatchObject({ allowed: true, remaining: 29 });
  });

  it('tells when a request fits again when the current window alone is full', () => {
    // 60 of 60 in this window, 20 s in: the next window must be 1/60 in for the weight to drop to 59.
    const refused = decide(windowStart + 20_000, 60, 0, 60);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 41, resetSeconds: 41 });
    const afterwards = windowStart + 20_000 + refused.retryAfterSeconds * 1000;
    expect(decide(afterwards, 60, 60, 0).allowed).toBe(true);
  });
});

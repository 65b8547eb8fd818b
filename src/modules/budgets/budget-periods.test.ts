import { describe, expect, it } from 'vitest';
import { periodEnd, periodStart, secondsUntil } from './budget-periods.ts';

const at = (iso: string) => new Date(iso);

describe('budget periods (UTC calendar)', () => {
  it('starts a day at midnight, a week on Monday, a month on its first day', () => {
    const wednesday = at('2025-06-04T23:59:59.999Z');
    expect(periodStart('day', wednesday).toISOString()).toBe('2025-06-04T00:00:00.000Z');
    expect(periodStart('week', wednesday).toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(periodStart('month', wednesday).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    // Sunday still belongs to the week that began on Monday; Monday starts a new one.
    expect(periodStart('week', at('2025-06-08T12:00:00Z')).toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(periodStart('week', at('2025-06-09T00:00:00Z')).toISOString()).toBe('2025-06-09T00:00:00.000Z');
  });

  it('ends each period where the next begins, across months and years', () => {
    expect(periodEnd('day', at('2025-02-28T00:00:00Z')).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(periodEnd('week', at('2025-12-29T00:00:00Z')).toISOString()).toBe('2026-01-05T00:00:00.000Z');
    expect(periodEnd('month', at('2025-12-01T00:00:00Z')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(periodEnd('month', at('2024-02-01T00:00:00Z')).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('tells Retry-After in whole seconds, at least one', () => {
    const now = at('2025-06-30T23:59:58.200Z');
    expect(secondsUntil(at('2025-07-01T00:00:00Z'), now)).toBe(2);
    expect(secondsUntil(now, now)).toBe(1);
  });
});

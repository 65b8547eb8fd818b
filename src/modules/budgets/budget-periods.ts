import type { BudgetPeriod } from './budget-tables.ts';

const DAY_MS = 86_400_000;

/** The UTC calendar period holding `at`: a day from midnight, a week from Monday, a month from its first day. */
export function periodStart(period: BudgetPeriod, at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (period === 'day') return new Date(day);
  if (period === 'week') return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS);
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** Where the period starting at `start` ends (the next one's start). */
export function periodEnd(period: BudgetPeriod, start: Date): Date {
  if (period === 'day') return new Date(start.getTime() + DAY_MS);
  if (period === 'week') return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** Whole seconds from `now` until `end`, at least 1: what Retry-After says. */
export const secondsUntil = (end: Date, now: Date): number =>
  Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));

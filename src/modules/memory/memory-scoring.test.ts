import { describe, expect, it } from 'vitest';
import {
  RECENCY_HALF_LIFE_DAYS,
  recencyOf,
  reinforcementOf,
  relevanceOf,
  rounded,
  scoreOf,
} from './memory-scoring.ts';

const DAY_MS = 86_400_000;
const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);

describe('memory scoring components', () => {
  it('recency halves every half-life and stays in [0, 1]', () => {
    expect(recencyOf(now, now)).toBe(1);
    expect(recencyOf(daysAgo(RECENCY_HALF_LIFE_DAYS), now)).toBeCloseTo(0.5, 10);
    expect(recencyOf(daysAgo(2 * RECENCY_HALF_LIFE_DAYS), now)).toBeCloseTo(0.25, 10);
    expect(recencyOf(daysAgo(10_000), now)).toBeGreaterThanOrEqual(0);
    // A clock a little behind the database's: used "in the future" counts as now.
    expect(recencyOf(new Date(now.getTime() + 5_000), now)).toBe(1);
  });

  it('relevance is the share of the fewer words that the message and the memory share', () => {
    expect(relevanceOf(2, 2, 5)).toBe(1);
    expect(relevanceOf(1, 4, 3)).toBeCloseTo(1 / 3, 10);
    expect(relevanceOf(0, 3, 3)).toBe(0);
    expect(relevanceOf(0, 0, 3)).toBe(0);
    expect(relevanceOf(1, 3, 0)).toBe(0);
  });

  it('reinforcement starts at 0, is 0.5 after three restatements and saturates towards 1', () => {
    expect(reinforcementOf(1)).toBe(0);
    expect(reinforcementOf(0)).toBe(0);
    expect(reinforcementOf(4)).toBeCloseTo(0.5, 10);
    expect(reinforcementOf(7)).toBeCloseTo(0.75, 10);
    expect(reinforcementOf(1_000_000)).toBeLessThanOrEqual(1);
    expect(reinforcementOf(10)).toBeGreaterThan(reinforcementOf(7));
  });

  it('weighs the components with the agent’s alphas', () => {
    const components = { recency: 0.5, relevance: 1, reinforcement: 0.25 };
    expect(
      scoreOf(components, { alpha_recency: 0.35, alpha_semantic: 0.45, alpha_reinforcement: 0.2 }),
    ).toBeCloseTo(0.175 + 0.45 + 0.05, 10);
    expect(scoreOf(components, { alpha_recency: 1, alpha_semantic: 0, alpha_reinforcement: 0 })).toBe(0.5);
    expect(rounded(0.123456)).toBe(0.1235);
  });
});

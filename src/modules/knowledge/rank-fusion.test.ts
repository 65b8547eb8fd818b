import { describe, expect, it } from 'vitest';
import { fuseRankings, RRF_K } from './rank-fusion.ts';

describe('reciprocal rank fusion', () => {
  it('puts an item ranked well by both rankings above the top of one ranking alone', () => {
    const fused = fuseRankings({ fullText: ['a', 'b', 'c'], vector: ['d', 'b', 'e'] });

    expect(fused.map((item) => item.id)).toEqual(['b', 'a', 'd', 'c', 'e']);
    expect(fused[0]).toEqual({ id: 'b', score: 2 / (RRF_K + 2), ranks: { fullText: 2, vector: 2 } });
    expect(fused[1]).toEqual({ id: 'a', score: 1 / (RRF_K + 1), ranks: { fullText: 1, vector: null } });
    expect(fused[4]?.ranks).toEqual({ fullText: null, vector: 3 });
  });

  it('sums the contributions: first in one ranking and third in the other beats second in both', () => {
    const fused = fuseRankings({ fullText: ['a', 'b', 'c'], vector: ['c', 'b', 'a'] });

    expect(fused.map((item) => item.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 3), 12);
    expect(fused[2]?.score).toBeCloseTo(2 / (RRF_K + 2), 12);
  });

  it('keeps one ranking’s order when the other is empty, with scores from ranks alone', () => {
    const fused = fuseRankings({ fullText: ['x', 'y', 'z'], vector: [] });

    expect(fused.map((item) => [item.id, item.ranks.fullText, item.ranks.vector])).toEqual([
      ['x', 1, null],
      ['y', 2, null],
      ['z', 3, null],
    ]);
    expect(fused.map((item) => item.score)).toEqual([1 / 61, 1 / 62, 1 / 63]);
  });

  it('breaks equal scores by the first ranking, and counts an id repeated in one ranking once', () => {
    const fused = fuseRankings({ fullText: ['p', 'q', 'p'], vector: ['q', 'p'] });

    expect(fused.map((item) => item.id)).toEqual(['p', 'q']);
    expect(fused[0]?.score).toBe(fused[1]?.score);
    expect(fused[0]?.ranks).toEqual({ fullText: 1, vector: 2 });
  });

  it('fuses nothing into nothing', () => {
    expect(fuseRankings({ fullText: [], vector: [] })).toEqual([]);
  });
});

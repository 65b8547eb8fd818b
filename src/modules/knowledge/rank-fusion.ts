/**
 * Reciprocal rank fusion's constant (Cormack, Clarke and Büttcher, SIGIR 2009): an item at rank r
 * of a ranking scores 1 / (60 + r). The 60 damps the head of each list, so that one ranking's
 * first place does not outweigh an item placed well by both; it is the value of the paper, used
 * unchanged by most hybrid search engines.
 */
export const RRF_K = 60;

/** One item of the fused ranking: its score and its 1-based rank in each input (null: absent). */
export interface FusedItem<Name extends string> {
  id: string;
  score: number;
  ranks: Record<Name, number | null>;
}

/**
 * Fuses rankings (ids, best first) by reciprocal rank fusion: each item scores the sum of
 * 1 / (RRF_K + rank) over the rankings that hold it. Best first; equal scores keep the order of
 * the first ranking that holds them (earlier rankings first). Only ranks are used, so rankings of
 * incomparable scores (ts_rank_cd, cosine distance) combine without calibration.
 */
export function fuseRankings<Name extends string>(
  rankings: Record<Name, readonly string[]>,
): FusedItem<Name>[] {
  const names = Object.keys(rankings) as Name[];
  const fused = new Map<string, FusedItem<Name>>();
  for (const name of names) {
    rankings[name].forEach((id, index) => {
      let item = fused.get(id);
      if (!item) {
        item = {
          id,
          score: 0,
          ranks: Object.fromEntries(names.map((other) => [other, null])) as FusedItem<Name>['ranks'],
        };
        fused.set(id, item);
      }
      if (item.ranks[name] !== null) return;
      item.ranks[name] = index + 1;
      item.score += 1 / (RRF_K + index + 1);
    });
  }
  // Map iteration is insertion order, and Array.prototype.sort is stable.
  return [...fused.values()].sort((first, second) => second.score - first.score);
}

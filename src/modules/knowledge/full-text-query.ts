/**
 * How a question becomes full-text queries. A question is an OR of its words (AND semantics find
 * nothing as soon as one word of a long question is missing from a passage), but ranking every
 * chunk that shares any word costs a few µs per chunk: a question with a word found in 30% of
 * 100,000 chunks would rank 30,000 of them. As BM25 engines skip what inverse document frequency
 * makes worthless, the chunks ranked are, in tiers: those with one of the question's rarer words
 * (as many words as fit a budget of expected matches, by the planner's statistics of
 * `search_vector`), then those with all of its frequent ones; each tier ranks at most
 * `TIER_ROWS` chunks, so a search costs a bounded amount whatever the words. Every word still
 * counts in the rank (ts_rank_cd with the whole OR). When the tiers find fewer chunks than asked
 * for, the whole OR is ranked (`fallback`), bounded the same way.
 */

/** A lexeme of the question (stemmed by `to_tsvector('english')`) and the share of chunks holding it. */
export interface QuestionLexeme {
  lexeme: string;
  /** From `pg_stats.most_common_elem_freqs`; null when the lexeme is rarer than those listed (or no statistics exist). */
  frequency: number | null;
}

export interface FullTextPlan {
  /** The chunks to rank, in tiers (`tsquery` syntax of lexemes): each adds chunks the ones before did not match. */
  tiers: string[];
  /** What ranks them: every lexeme of the question, ORed. */
  ranking: string;
  /** The whole OR, when the tiers are narrower: ranked when they find too few chunks. */
  fallback: string | null;
}

/** Chunks the rare words of a question are expected to match, at most (by the planner's statistics). */
export const RARE_BUDGET_ROWS = 2_000;
/** Chunks ranked per tier, at most (the first found, in the table's order): a few ms each. */
export const TIER_ROWS = 1_500;

/** A lexeme as a `tsquery` operand: quoted, taken as is (it is already stemmed). */
export const quoteLexeme = (lexeme: string) => `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

const or = (lexemes: readonly string[]) => lexemes.map(quoteLexeme).join(' | ');

/**
 * The queries for a question's lexemes, given `tableRows` chunks (the planner's estimate; 0 or
 * less when unknown). Null when the question has no lexeme (only stop words, or no words).
 */
export function planFullTextQuery(
  lexemes: readonly QuestionLexeme[],
  tableRows: number,
): FullTextPlan | null {
  if (lexemes.length === 0) return null;
  const ranking = or(lexemes.map((entry) => entry.lexeme));
  const byRarity = [...lexemes].sort(
    (first, second) =>
      (first.frequency ?? 0) - (second.frequency ?? 0) || first.lexeme.localeCompare(second.lexeme),
  );
  const rare: string[] = [];
  const frequent: string[] = [];
  let expected = 0;
  for (const entry of byRarity) {
    // Unlisted lexemes are rarer than every listed one: they fit whatever the budget.
    const rows = (entry.frequency ?? 0) * Math.max(0, tableRows);
    if (frequent.length === 0 && expected + rows <= RARE_BUDGET_ROWS) {
      rare.push(entry.lexeme);
      expected += rows;
    } else {
      frequent.push(entry.lexeme);
    }
  }
  if (frequent.length === 0) return { tiers: [ranking], ranking, fallback: null };
  const tiers = rare.length > 0 ? [or(rare)] : [];
  // One frequent lexeme alone would match as much as the whole OR: only together, or when nothing else is left.
  if (frequent.length > 1 || tiers.length === 0) tiers.push(frequent.map(quoteLexeme).join(' & '));
  return { tiers, ranking, fallback: tiers.length === 1 && tiers[0] === ranking ? null : ranking };
}

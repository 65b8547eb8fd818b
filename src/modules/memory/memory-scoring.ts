/**
 * How a recalled memory is scored (seed 001, docs/memory.md): three components in [0, 1], weighed
 * by the agent's `memory` settings,
 * `score = alpha_recency * recency + alpha_semantic * relevance + alpha_reinforcement * reinforcement`.
 * The context source and POST /agents/{id}/memories/search use this one code.
 */

/** The agent's weights (memory.alpha_*; seed 001 defaults 0.35, 0.45, 0.20). Each in [0, 1]; they need not sum to 1. */
export interface MemoryWeights {
  alpha_recency: number;
  alpha_semantic: number;
  alpha_reinforcement: number;
}

export interface ScoreComponents {
  recency: number;
  /** `blendRelevance(textRelevance, vectorSimilarity)`: what the score weighs. */
  relevance: number;
  /** The full-text relevance (`relevanceOf`). */
  textRelevance: number;
  /** The vector similarity (`similarityOf`); null when the message or the memory has no embedding. */
  vectorSimilarity: number | null;
  reinforcement: number;
}

/**
 * Recency halves every this many days since the memory was last used (stored, restated, edited or
 * recalled): about the 0.995-per-hour decay of Generative Agents (Park et al., 2023).
 */
export const RECENCY_HALF_LIFE_DAYS = 6;
/** Reinforcement goes half way to 1 with this many reinforcements after the first statement. */
export const REINFORCEMENT_HALF_SATURATION = 3;

const DAY_MS = 86_400_000;
const clamp = (value: number) => Math.min(1, Math.max(0, value));

/** 1 for a memory used just now, 0.5 after `RECENCY_HALF_LIFE_DAYS`, 0.25 after twice that. */
export function recencyOf(lastUsedAt: Date, now: Date): number {
  const ageDays = Math.max(0, now.getTime() - lastUsedAt.getTime()) / DAY_MS;
  return clamp(0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS));
}

/**
 * The words (stemmed lexemes, stop words left out) the message and the memory share, over the
 * fewer words of the two (the overlap coefficient): 1 when every word of the shorter one is in the
 * other, 0 when they share none or the message has no word.
 */
export function relevanceOf(sharedLexemes: number, messageLexemes: number, memoryLexemes: number): number {
  const fewer = Math.min(messageLexemes, memoryLexemes);
  return fewer > 0 ? clamp(sharedLexemes / fewer) : 0;
}

/**
 * Cosine similarity of the message's and the memory's embeddings, clamped to [0, 1]: 1 for the
 * same direction, 0 for unrelated (orthogonal) or opposite ones.
 */
export const similarityOf = (cosine: number): number => clamp(cosine);

/**
 * Relevance with embeddings: the larger of the full-text relevance and the vector similarity, so
 * either signal alone can make a memory relevant (a memory worded with other words, or one sharing
 * the message's rare words), and a memory without an embedding (null) keeps its full-text relevance.
 */
export const blendRelevance = (textRelevance: number, vectorSimilarity: number | null): number =>
  vectorSimilarity === null ? textRelevance : Math.max(textRelevance, vectorSimilarity);

/** 0 for a statement made once; 1 - 2^(-(count - 1) / 3): 0.5 at 4, 0.75 at 7, towards 1 after. */
export function reinforcementOf(count: number): number {
  return count <= 1 ? 0 : clamp(1 - 0.5 ** ((count - 1) / REINFORCEMENT_HALF_SATURATION));
}

export const scoreOf = (
  components: Pick<ScoreComponents, 'recency' | 'relevance' | 'reinforcement'>,
  weights: MemoryWeights,
): number =>
  weights.alpha_recency * components.recency +
  weights.alpha_semantic * components.relevance +
  weights.alpha_reinforcement * components.reinforcement;

/** Four decimals: what responses and run records show of a score or component. */
export const rounded = (value: number) => Math.round(value * 10_000) / 10_000;

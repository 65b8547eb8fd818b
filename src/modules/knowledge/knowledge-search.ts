import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { type FullTextPlan, planFullTextQuery, type QuestionLexeme, TIER_ROWS } from './full-text-query.ts';
import type { ChunkPosition } from './knowledge-tables.ts';
import { lexemeStatistics } from './lexeme-statistics.ts';
import { fuseRankings } from './rank-fusion.ts';
import { typedEmbedding } from './vector-support.ts';

/** A question's embedding, by the model that made it; only chunks embedded by that model compare. */
export interface QueryVector {
  model: string;
  vector: number[];
}

export interface KnowledgeQuery {
  agentId: string;
  query: string;
  /** How many chunks to return. */
  k: number;
  /** Hybrid retrieval when given (and the organization's chunks have vectors of its model). */
  queryVector?: QueryVector | null;
}

/** A chunk found for a question, with where it comes from and why it ranks where it does. */
export interface KnowledgeHit {
  chunkId: string;
  contentId: string;
  /** The agent's file the chunk is labelled with: of a content attached twice, the first in order. */
  fileId: string;
  filename: string;
  text: string;
  position: ChunkPosition;
  /** The reciprocal rank fusion score (rank-fusion.ts): higher is better. */
  score: number;
  /** 1-based rank in each ranking; null where the ranking did not find the chunk. */
  ranks: { fullText: number | null; vector: number | null };
}

const idsOf = (result: unknown) => rowsOf<{ id: string }>(result).map((row) => row.id);

/** The start of a question that full-text search reads; a longer question is cut. */
const MAX_QUESTION_CHARS = 2_000;
/** Candidates each ranking contributes to the fusion, at least: fusion needs more than the final k. */
const MIN_CANDIDATES = 50;
const MAX_CANDIDATES = 400;

/**
 * The agent's contents, each once, labelled with the file that comes first in the agent's order.
 * Materialized so that the planner sees the (small) set before choosing how to scan chunks.
 */
const agentContents = (scope: TenantScope, agentId: string): SQL => sql`agent_contents as materialized (
  select distinct on (files.content_id) files.content_id, files.id as file_id, files.filename
  from agent_files join files on files.id = agent_files.file_id and files.organization_id = agent_files.organization_id
  where agent_files.organization_id = ${scope.organizationId} and agent_files.agent_id = ${agentId}
  order by files.content_id, agent_files.order_index, agent_files.created_at, agent_files.id
)`;

/**
 * The full-text queries of a question (full-text-query.ts): its lexemes as `to_tsvector('english')`
 * stems them (stop words dropped), weighed by the share of chunks holding each according to the
 * planner's statistics of `search_vector`. Null when the question has no lexeme.
 */
export async function planQuestion(db: Executor, question: string): Promise<FullTextPlan | null> {
  const [statistics, result] = await Promise.all([
    lexemeStatistics(db),
    db.execute(
      sql`select lexeme from unnest(to_tsvector('english', ${question.slice(0, MAX_QUESTION_CHARS)}))`,
    ),
  ]);
  const lexemes = rowsOf<{ lexeme: string }>(result).map(
    ({ lexeme }): QuestionLexeme => ({ lexeme, frequency: statistics.frequencies.get(lexeme) ?? null }),
  );
  return planFullTextQuery(lexemes, statistics.tableRows);
}

/**
 * The statement ranking the agent's chunks matched by the tiers (each at most `TIER_ROWS`, each
 * adding chunks the tiers before it did not match) by ts_rank_cd against `ranking`, best first,
 * through the GIN index on `search_vector` (exported for EXPLAIN in the tests and the benchmark).
 * A null agent ranks every chunk of the organization (the benchmark's ceiling).
 */
export function fullTextRankingStatement(
  scope: TenantScope,
  agentId: string | null,
  { tiers, ranking }: Pick<FullTextPlan, 'tiers' | 'ranking'>,
  limit: number,
): SQL {
  const ofAgent =
    agentId === null
      ? sql``
      : sql` and knowledge_chunks.content_id in (select content_id from agent_contents)`;
  const tierQueries = tiers.map((tier, index) => {
    const earlier = tiers
      .slice(0, index)
      .map((before) => sql` and not (knowledge_chunks.search_vector @@ ${before}::tsquery)`);
    return sql`(select knowledge_chunks.id, knowledge_chunks.search_vector
      from knowledge_chunks
      where knowledge_chunks.organization_id = ${scope.organizationId}${ofAgent}
        and knowledge_chunks.search_vector @@ ${tier}::tsquery${sql.join(earlier)}
      limit ${TIER_ROWS})`;
  });
  return sql`${agentId === null ? sql`` : sql`with ${agentContents(scope, agentId)}`}
    select candidate.id
    from (${sql.join(tierQueries, sql` union all `)}) as candidate
    order by ts_rank_cd(candidate.search_vector, ${ranking}::tsquery) desc, candidate.id
    limit ${limit}`;
}

/** Full-text ranks: the plan's tiers first, the whole OR when they find fewer than `wanted`. */
async function fullTextRanking(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  question: string,
  limits: { candidates: number; wanted: number },
): Promise<string[]> {
  const plan = await planQuestion(db, question);
  if (!plan) return [];
  const ids = idsOf(await db.execute(fullTextRankingStatement(scope, agentId, plan, limits.candidates)));
  if (ids.length >= limits.wanted || !plan.fallback) return ids;
  const whole = { tiers: [plan.fallback], ranking: plan.ranking };
  return idsOf(await db.execute(fullTextRankingStatement(scope, agentId, whole, limits.candidates)));
}

/**
 * The statement ranking the agent's chunks by cosine distance to the question's vector, through
 * the HNSW index of the vector's length (same cast expression, same constant predicate). The
 * agent's filter applies after the index; see `vectorRanking` for how enough rows pass it.
 */
export function vectorRankingStatement(
  scope: TenantScope,
  agentId: string,
  queryVector: QueryVector,
  limit: number,
): SQL {
  const typed = typedEmbedding(queryVector.vector.length);
  return sql`with ${agentContents(scope, agentId)}
    select knowledge_chunk_embeddings.chunk_id as id
    from knowledge_chunk_embeddings join knowledge_chunks on knowledge_chunks.id = knowledge_chunk_embeddings.chunk_id
    where knowledge_chunk_embeddings.organization_id = ${scope.organizationId}
      and knowledge_chunk_embeddings.model = ${queryVector.model}
      and knowledge_chunk_embeddings.dimensions = ${typed.dimensions}
      and knowledge_chunks.organization_id = ${scope.organizationId}
      and knowledge_chunks.content_id in (select content_id from agent_contents)
    order by ${typed.column} <=> ${`[${queryVector.vector.join(',')}]`}::${typed.type}
    limit ${limit}`;
}

/**
 * Cosine ranks in a transaction of their own: pgvector's iterative scan keeps reading the HNSW
 * index until enough chunks pass the agent's filter (without it an agent holding a small share of
 * its organization's chunks would get few results), and ef_search is at least the limit.
 */
const vectorRanking = (
  db: Executor,
  scope: TenantScope,
  agentId: string,
  queryVector: QueryVector,
  limit: number,
) =>
  db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true),
      set_config('hnsw.ef_search', ${String(Math.max(40, limit))}, true)`);
    return idsOf(await tx.execute(vectorRankingStatement(scope, agentId, queryVector, limit)));
  });

interface ChunkDetails {
  id: string;
  content_id: string;
  file_id: string;
  filename: string;
  text: string;
  position: ChunkPosition;
}

async function chunkDetails(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  chunkIds: string[],
): Promise<Map<string, ChunkDetails>> {
  const result = await db.execute(sql`with ${agentContents(scope, agentId)}
    select knowledge_chunks.id, knowledge_chunks.content_id, agent_contents.file_id, agent_contents.filename,
      knowledge_chunks.text, knowledge_chunks.position
    from knowledge_chunks join agent_contents on agent_contents.content_id = knowledge_chunks.content_id
    where knowledge_chunks.organization_id = ${scope.organizationId}
      and knowledge_chunks.id = any(${sql.param(chunkIds)}::uuid[])`);
  return new Map(rowsOf<ChunkDetails>(result).map((row) => [row.id, row]));
}

/**
 * The chunks of an agent's files that best answer a question, best first: full-text ranks and,
 * with a query vector, cosine ranks, fused by reciprocal rank fusion. Only chunks of contents
 * attached to the agent, in the scope's organization.
 */
export async function searchKnowledge(
  db: Executor,
  scope: TenantScope,
  { agentId, query, k, queryVector }: KnowledgeQuery,
): Promise<KnowledgeHit[]> {
  if (k < 1) return [];
  const candidates = Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, k * 4));
  const fullText = await fullTextRanking(db, scope, agentId, query, { candidates, wanted: k });
  const vector =
    queryVector && queryVector.vector.length > 0
      ? await vectorRanking(db, scope, agentId, queryVector, candidates)
      : [];
  const best = fuseRankings({ fullText, vector }).slice(0, k);
  if (best.length === 0) return [];
  const details = await chunkDetails(
    db,
    scope,
    agentId,
    best.map((item) => item.id),
  );
  return best.flatMap((item) => {
    const chunk = details.get(item.id);
    if (!chunk) return []; // replaced by a new extraction between the two statements
    return [
      {
        chunkId: chunk.id,
        contentId: chunk.content_id,
        fileId: chunk.file_id,
        filename: chunk.filename,
        text: chunk.text,
        position: chunk.position,
        score: item.score,
        ranks: item.ranks,
      },
    ];
  });
}

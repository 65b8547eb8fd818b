import { and, eq, type SQL, sql } from 'drizzle-orm';
import { type Database, type Executor, rowsOf } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EmbeddingModel } from '../knowledge/index.ts';
import { createFrequentLexemes } from './frequent-lexemes.ts';
import { type MemoryEmbeddings, MISSING_AFTER_MS } from './memory-embeddings.ts';
import {
  hasCurrentEmbedding,
  namespaceHoldsEmbeddings,
  nearestInNamespace,
  type RecallVector,
  similarityToMessage,
  withIterativeScan,
} from './memory-embeddings-recall.ts';
import { lastUsedAt, type MemoryRecord, memoryColumns } from './memory-repository.ts';
import {
  blendRelevance,
  type MemoryWeights,
  recencyOf,
  reinforcementOf,
  relevanceOf,
  type ScoreComponents,
  scoreOf,
  similarityOf,
} from './memory-scoring.ts';
import { memories } from './memory-tables.ts';

export interface RecallRequest {
  agentId: string;
  /** The namespaces to recall from (the agent's, and the end user's and the thread's when known). */
  namespaces: readonly string[];
  /** The user's message: what the memories should be relevant to. */
  query: string;
  k: number;
  weights: MemoryWeights;
}

export interface RecalledMemory {
  memory: MemoryRecord;
  score: number;
  components: ScoreComponents;
}

export interface RecallResult {
  memories: RecalledMemory[];
  /** `hybrid`: the message was embedded and compared with the memories' embeddings. */
  mode: 'hybrid' | 'full-text';
}

/** What recall needs of the memories' embeddings (memory-embeddings.ts). */
export type RecallEmbeddings = Pick<MemoryEmbeddings, 'currentModel' | 'queryVector' | 'noticeMissing'>;

/** The start of a message that is read for its words. */
const MAX_QUERY_CHARS = 2_000;
/**
 * Words of the message that find candidates: the first, in lexeme order, of those not too frequent
 * (frequent-lexemes.ts). Every word of the message counts in relevance.
 */
const MATCHED_LEXEMES = 12;
/** Candidates each word finds per namespace, at most: a rare word finds all its memories, a common one a sample. */
const MATCHES_PER_LEXEME = 20;
/**
 * A namespace of at most this many memories (an end user's, a thread's, a young agent's) is read
 * whole; a larger one through its candidates, among them its this many most recently used.
 */
const SMALL_NAMESPACE = 50;
/** Candidates by reinforcement per namespace: at least 10, at least twice k. */
const reinforcedPerNamespace = (k: number) => Math.max(10, 2 * k);
/** Candidates by vector similarity per large namespace: at least 20, at least twice k. */
const nearestPerNamespace = (k: number) => Math.max(20, 2 * k);

/**
 * The distinct lexemes of the message (`to_tsvector('english')`: stemmed, stop words dropped), as
 * an uncorrelated scalar subquery: the database evaluates it once per statement.
 */
const messageLexemes = (query: string): SQL =>
  sql`(select coalesce(array_agg(distinct lexeme), '{}'::text[]) from unnest(to_tsvector('english', ${query.slice(0, MAX_QUERY_CHARS)})))`;

/** The message's lexemes that find candidates: not one of `frequent`, at most `MATCHED_LEXEMES`. */
const findingLexemes = (query: string, frequent: readonly string[]): SQL =>
  sql`(select array_agg(lexeme order by lexeme) from unnest(${messageLexemes(query)}) as lexeme
    where lexeme <> all(${sql.param(frequent)}::text[]))[1:${sql.raw(String(MATCHED_LEXEMES))}]`;

/** A lexeme (already stemmed) as a one-word `tsquery`, quoted as tsquery input wants. */
const lexemeQuery = (lexeme: SQL) =>
  sql`('''' || replace(replace(${lexeme}, '\\', '\\\\'), '''', '''''') || '''')::tsquery`;

/**
 * The candidates of a large namespace, each through an index: the memories holding each of the
 * message's words (GIN on `search_vector`, per word at most `MATCHES_PER_LEXEME`), the most
 * recently used and the most reinforced (btree indexes on the agent, the namespace and each), and
 * with a message's vector the nearest (HNSW). A small namespace's candidates are all its memories.
 */
function namespaceCandidates(
  agentId: string,
  namespace: string,
  large: boolean,
  finding: SQL,
  k: number,
  vector: RecallVector | undefined,
): SQL {
  const inNamespace = sql`memories.agent_id = ${agentId} and memories.namespace = ${namespace}`;
  if (!large) return sql`(select memories.id from memories where ${inNamespace})`;
  const nearest = vector?.query
    ? sql` union ${nearestInNamespace(agentId, namespace, vector.model, vector.query, nearestPerNamespace(k))}`
    : sql``;
  return sql`(select hit.id from unnest(${finding}) as term(lexeme)
      cross join lateral (
        select memories.id from memories
        where ${inNamespace} and memories.search_vector @@ ${lexemeQuery(sql`term.lexeme`)}
        limit ${sql.raw(String(MATCHES_PER_LEXEME))}
      ) as hit)
    union
    (select memories.id from memories where ${inNamespace}
      order by greatest(memories.created_at, memories.updated_at, memories.last_accessed_at) desc
      limit ${sql.raw(String(SMALL_NAMESPACE))})
    union
    (select memories.id from memories where ${inNamespace}
      order by memories.reinforcement desc
      limit ${reinforcedPerNamespace(k)})${nearest}`;
}

/** How a recall reads its namespaces. */
export interface RecallPlan {
  /**
   * The namespaces holding memories, and among them those holding more than `SMALL_NAMESPACE`,
   * and those holding embeddings of the organization's model.
   */
  namespaces: readonly { namespace: string; large: boolean; embedded?: boolean }[];
  /** Lexemes too frequent to find candidates by (frequent-lexemes.ts). */
  frequentLexemes: readonly string[];
  /** When the organization has an embedding model: it and, when embedded, the message's vector. */
  vector?: RecallVector | undefined;
}

/** What the statement reads of the memories' embeddings, when the organization has a model. */
function embeddingColumns(vector: RecallVector | undefined) {
  return {
    similarity: vector?.query ? similarityToMessage(vector.model, vector.query) : sql<number | null>`null`,
    embedded: vector && !vector.query ? hasCurrentEmbedding(vector.model) : sql<boolean | null>`null`,
  };
}

/**
 * The statement reading the candidates of a recall with what scoring needs of each: its lexemes
 * and the message's, and with a model its embedding's similarity to the message (or, when the
 * message was not embedded, whether it has an embedding) (exported for EXPLAIN in the tests and
 * the benchmark).
 */
export function recallStatement(db: Executor, scope: TenantScope, request: RecallRequest, plan: RecallPlan) {
  const candidates = sql.join(
    plan.namespaces.map(({ namespace, large }) =>
      namespaceCandidates(
        request.agentId,
        namespace,
        large,
        findingLexemes(request.query, plan.frequentLexemes),
        request.k,
        plan.vector,
      ),
    ),
    sql` union `,
  );
  return db
    .select({
      memory: memoryColumns,
      lastUsedAt: lastUsedAt(),
      lexemes: sql<string[]>`tsvector_to_array(${memories.searchVector})`,
      // Evaluated once per statement (an uncorrelated subquery), repeated on every row.
      messageLexemes: sql<string[]>`${messageLexemes(request.query)}`,
      ...embeddingColumns(plan.vector),
    })
    .from(memories)
    .where(
      and(
        inScope(memories.organizationId, scope),
        eq(memories.agentId, request.agentId),
        sql`${memories.id} in (${candidates})`,
      ),
    );
}

/**
 * The namespaces holding memories, each counted up to one more than `SMALL_NAMESPACE` (an index
 * range each): most turns of most agents find none, and then cost no more than this. With the
 * organization's `model`, also whether each holds embeddings of it (one more index range each).
 */
export async function sizedNamespaces(
  db: Executor,
  scope: TenantScope,
  request: Pick<RecallRequest, 'agentId' | 'namespaces'>,
  model: string | null = null,
): Promise<RecallPlan['namespaces']> {
  const embedded = model
    ? namespaceHoldsEmbeddings(request.agentId, sql`place.namespace`, model)
    : sql`false`;
  const result = await db.execute(sql`select place.namespace, (select count(*)::int from (
      select 1 from memories
      where memories.organization_id = ${scope.organizationId} and memories.agent_id = ${request.agentId}
        and memories.namespace = place.namespace
      limit ${sql.raw(String(SMALL_NAMESPACE + 1))}) as held) as held, ${embedded} as embedded
    from unnest(${sql.param([...request.namespaces])}::text[]) as place(namespace)`);
  return rowsOf<{ namespace: string; held: number; embedded: boolean }>(result)
    .filter((row) => row.held > 0)
    .map((row) => ({ namespace: row.namespace, large: row.held > SMALL_NAMESPACE, embedded: row.embedded }));
}

/** The message's vector when the organization has a model and a recalled namespace holds its embeddings. */
async function vectorOf(
  scope: TenantScope,
  request: RecallRequest,
  model: EmbeddingModel | null,
  namespaces: RecallPlan['namespaces'],
  embeddings: RecallEmbeddings | undefined,
): Promise<RecallVector | undefined> {
  if (!model || !embeddings) return undefined;
  const query = namespaces.some((place) => place.embedded)
    ? await embeddings.queryVector(scope, model, request.query)
    : null;
  return { model: model.key, query };
}

/** What a recall reads besides its request. */
export interface RecallContext {
  /** Lexemes too frequent to find candidates by (frequent-lexemes.ts). */
  frequentLexemes: readonly string[];
  /** The memories' embeddings; without them recall is full-text only. */
  embeddings?: RecallEmbeddings | undefined;
  now?: Date;
}

const FULL_TEXT_ONLY: RecallResult = { memories: [], mode: 'full-text' };

/**
 * The agent's `k` memories of the given namespaces that score best for the message
 * (memory-scoring.ts), best first, each statement once. Candidates are picked through indexes, so
 * the cost stays bounded however many memories a namespace holds; only they are scored. With
 * embeddings of the organization's model in a namespace, the message is embedded once and
 * relevance blends full text with vector similarity.
 */
export async function recallMemories(
  db: Executor,
  scope: TenantScope,
  request: RecallRequest,
  { frequentLexemes, embeddings, now = new Date() }: RecallContext,
): Promise<RecallResult> {
  if (request.k < 1 || request.namespaces.length === 0) return FULL_TEXT_ONLY;
  const model = embeddings ? await embeddings.currentModel(scope) : null;
  const namespaces = await sizedNamespaces(db, scope, request, model?.key ?? null);
  if (namespaces.length === 0) return FULL_TEXT_ONLY;
  const vector = await vectorOf(scope, request, model, namespaces, embeddings);
  const plan: RecallPlan = { namespaces, frequentLexemes, vector };
  const query = vector?.query;
  const rows = query
    ? await withIterativeScan(db, nearestPerNamespace(request.k), (tx) =>
        recallStatement(tx, scope, request, plan),
      )
    : await recallStatement(db, scope, request, plan);
  const message = new Set(rows[0]?.messageLexemes ?? []);
  const missingBefore = now.getTime() - MISSING_AFTER_MS;
  let missing = false;
  const scored = rows
    .map((row) => {
      const shared = row.lexemes.filter((lexeme) => message.has(lexeme)).length;
      const textRelevance = relevanceOf(shared, message.size, row.lexemes.length);
      const vectorSimilarity = row.similarity === null ? null : similarityOf(row.similarity);
      const embedded = query ? vectorSimilarity !== null : row.embedded !== false;
      if (!embedded && row.memory.updatedAt.getTime() < missingBefore) missing = true;
      const components: ScoreComponents = {
        recency: recencyOf(row.lastUsedAt, now),
        relevance: blendRelevance(textRelevance, vectorSimilarity),
        textRelevance,
        vectorSimilarity,
        reinforcement: reinforcementOf(row.memory.reinforcement),
      };
      return { memory: row.memory, components, score: scoreOf(components, request.weights), row };
    })
    .sort(
      (first, second) =>
        second.score - first.score ||
        second.row.lastUsedAt.getTime() - first.row.lastUsedAt.getTime() ||
        (first.memory.id < second.memory.id ? -1 : 1),
    );
  const recalled: RecalledMemory[] = [];
  const statements = new Set<string>();
  for (const { memory, components, score } of scored) {
    // A statement the user's and the thread's namespaces both hold is recalled once, at its best.
    if (statements.has(memory.contentKey)) continue;
    statements.add(memory.contentKey);
    recalled.push({ memory, components, score });
    if (recalled.length === request.k) break;
  }
  if (missing) embeddings?.noticeMissing(scope);
  return { memories: recalled, mode: query ? 'hybrid' : 'full-text' };
}

/**
 * Recall as the turns and the search API use it: with the frequent lexemes of this database and,
 * when given, the memories' embeddings.
 */
export function createMemoryRecall(db: Database, embeddings?: RecallEmbeddings) {
  const frequentLexemes = createFrequentLexemes(db);
  return async (scope: TenantScope, request: RecallRequest): Promise<RecallResult> =>
    recallMemories(db, scope, request, { frequentLexemes: await frequentLexemes(), embeddings });
}

export type MemoryRecall = ReturnType<typeof createMemoryRecall>;

import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { typedEmbedding } from '../knowledge/index.ts';
import { MEMORY_EMBEDDINGS } from './memory-embeddings-table.ts';
import { memories } from './memory-tables.ts';

/**
 * The parts of a recall that read `memory_embeddings` (memory-recall.ts): only used when the
 * organization has an embedding model, so only where the table exists.
 */

/** The organization's model and, when the message was embedded, the message's vector. */
export interface RecallVector {
  /** The model's label, as embeddings are stored under it. */
  model: string;
  query: readonly number[] | null;
}

const literal = (vector: readonly number[]) => `[${vector.join(',')}]`;

/** Whether a namespace (an SQL expression) holds embeddings of the model: one index range. */
export const namespaceHoldsEmbeddings = (agentId: string, namespace: SQL, model: string): SQL =>
  sql`exists (select 1 from memory_embeddings where memory_embeddings.agent_id = ${agentId}
    and memory_embeddings.namespace = ${namespace} and memory_embeddings.model = ${model})`;

/**
 * A namespace's `limit` memories nearest the message (cosine distance), through the HNSW index of
 * the vector's length (the same cast expression and constant predicate as the index): the
 * namespace's filter applies after the index, so the scan runs iteratively (`withIterativeScan`).
 */
export function nearestInNamespace(
  agentId: string,
  namespace: string,
  model: string,
  query: readonly number[],
  limit: number,
): SQL {
  const typed = typedEmbedding(query.length, MEMORY_EMBEDDINGS);
  return sql`(select memory_embeddings.memory_id from memory_embeddings
    where memory_embeddings.agent_id = ${agentId} and memory_embeddings.namespace = ${namespace}
      and memory_embeddings.model = ${model} and memory_embeddings.dimensions = ${typed.dimensions}
    order by ${typed.column} <=> ${literal(query)}::${typed.type}
    limit ${sql.raw(String(limit))})`;
}

/** The memory's embedding of the model for its current content (an edit makes the old one stale). */
const currentEmbedding = (model: string) => sql`memory_embeddings.memory_id = ${memories.id}
  and memory_embeddings.model = ${model} and memory_embeddings.content_hash = md5(${memories.content})`;

/**
 * Per candidate (a primary-key lookup each): the cosine similarity of its current embedding to the
 * message, null without one.
 */
export function similarityToMessage(model: string, query: readonly number[]): SQL<number | null> {
  const typed = typedEmbedding(query.length, MEMORY_EMBEDDINGS);
  return sql<number | null>`(select 1 - (${typed.column} <=> ${literal(query)}::${typed.type})
    from memory_embeddings
    where ${currentEmbedding(model)} and memory_embeddings.dimensions = ${typed.dimensions})`.mapWith(
    (value: unknown) => (value === null ? null : Number(value)),
  );
}

/** Per candidate, when the message was not embedded: whether it has a current embedding. */
export const hasCurrentEmbedding = (model: string): SQL<boolean> =>
  sql<boolean>`exists (select 1 from memory_embeddings where ${currentEmbedding(model)})`;

/**
 * Runs `read` in a transaction where HNSW scans keep reading the index until `limit` rows pass
 * the namespace's filter (pgvector's iterative scan; without it a namespace holding a small share
 * of the table's vectors would get few), with ef_search at least `limit`.
 */
export const withIterativeScan = <Result>(
  db: Executor,
  limit: number,
  read: (tx: Executor) => Promise<Result>,
): Promise<Result> =>
  db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('hnsw.iterative_scan', 'relaxed_order', true),
      set_config('hnsw.ef_search', ${String(Math.max(40, limit))}, true)`);
    return read(tx);
  });

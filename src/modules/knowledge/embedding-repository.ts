import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';

/**
 * Queries of `knowledge_chunk_embeddings`, which exists only where pgvector does (vector-support.ts):
 * call them only when vector support was found.
 */

/** A chunk still to be embedded with a model. */
export interface ChunkToEmbed {
  id: string;
  text: string;
}

/**
 * The next chunks (by id, after `afterId`) of the organization, or of one of its contents, that
 * have no embedding of `model`.
 */
export async function chunksToEmbed(
  db: Executor,
  scope: TenantScope,
  options: { model: string; contentId?: string | undefined; afterId: string | null; limit: number },
): Promise<ChunkToEmbed[]> {
  const content = options.contentId ? sql`and knowledge_chunks.content_id = ${options.contentId}` : sql``;
  const after = options.afterId ? sql`and knowledge_chunks.id > ${options.afterId}` : sql``;
  const result = await db.execute(sql`select knowledge_chunks.id, knowledge_chunks.text
    from knowledge_chunks
    left join knowledge_chunk_embeddings on knowledge_chunk_embeddings.chunk_id = knowledge_chunks.id
      and knowledge_chunk_embeddings.model = ${options.model}
    where knowledge_chunks.organization_id = ${scope.organizationId} ${content} ${after}
      and knowledge_chunk_embeddings.chunk_id is null
    order by knowledge_chunks.id
    limit ${options.limit}`);
  return rowsOf<ChunkToEmbed>(result);
}

/**
 * Stores the embeddings of chunks (replacing any earlier one of each chunk). A chunk replaced by a
 * new extraction since it was read is skipped: its embedding would describe text that is gone.
 */
export async function storeEmbeddings(
  db: Executor,
  scope: TenantScope,
  model: string,
  embeddings: readonly { chunkId: string; vector: readonly number[] }[],
): Promise<void> {
  if (embeddings.length === 0) return;
  const chunkIds = embeddings.map((embedding) => embedding.chunkId);
  const vectors = embeddings.map((embedding) => `[${embedding.vector.join(',')}]`);
  await db.execute(sql`insert into knowledge_chunk_embeddings (chunk_id, organization_id, model, dimensions, embedding)
    select knowledge_chunks.id, knowledge_chunks.organization_id, ${model},
      vector_dims(input.embedding::vector), input.embedding::vector
    from unnest(${sql.param(chunkIds)}::uuid[], ${sql.param(vectors)}::text[]) as input(chunk_id, embedding)
    join knowledge_chunks on knowledge_chunks.id = input.chunk_id
      and knowledge_chunks.organization_id = ${scope.organizationId}
    on conflict (chunk_id) do update
      set model = excluded.model, dimensions = excluded.dimensions, embedding = excluded.embedding`);
}

/** Removes the organization's embeddings made by another model than `model` (all of them for null). */
export async function removeOtherEmbeddings(
  db: Executor,
  scope: TenantScope,
  model: string | null,
): Promise<number> {
  const result = await db.execute(sql`with removed as (
      delete from knowledge_chunk_embeddings
      where organization_id = ${scope.organizationId} and model is distinct from ${model}
      returning 1
    ) select count(*)::int as removed from removed`);
  return rowsOf<{ removed: number }>(result)[0]?.removed ?? 0;
}

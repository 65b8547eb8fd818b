import { sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';

/**
 * Queries of `memory_embeddings`, which exists only where pgvector does
 * (memory-embeddings-table.ts): call them only when vector support was found.
 */

/** A memory without an embedding of a model for its current content. */
export interface MemoryToEmbed {
  id: string;
  content: string;
  /** md5 of the content read: what the embedding will be stored as describing. */
  contentHash: string;
}

/**
 * The next memories (by id, after `afterId`) of the organization, or among `memoryIds`, that have
 * no embedding of `model` for their current content.
 */
export async function memoriesToEmbed(
  db: Executor,
  scope: TenantScope,
  options: { model: string; memoryIds: readonly string[] | null; afterId: string | null; limit: number },
): Promise<MemoryToEmbed[]> {
  const among = options.memoryIds
    ? sql`and memories.id = any(${sql.param(options.memoryIds)}::uuid[])`
    : sql``;
  const after = options.afterId ? sql`and memories.id > ${options.afterId}` : sql``;
  const result =
    await db.execute(sql`select memories.id, memories.content, md5(memories.content) as "contentHash"
    from memories
    left join memory_embeddings on memory_embeddings.memory_id = memories.id
      and memory_embeddings.model = ${options.model}
      and memory_embeddings.content_hash = md5(memories.content)
    where memories.organization_id = ${scope.organizationId} ${among} ${after}
      and memory_embeddings.memory_id is null
    order by memories.id
    limit ${options.limit}`);
  return rowsOf<MemoryToEmbed>(result);
}

/**
 * Stores memories' embeddings (replacing any earlier one of each memory), each labelled with the
 * hash of the content it was made from. A memory deleted since it was read is skipped.
 */
export async function storeMemoryEmbeddings(
  db: Executor,
  scope: TenantScope,
  model: string,
  embeddings: readonly { memory: MemoryToEmbed; vector: readonly number[] }[],
): Promise<void> {
  if (embeddings.length === 0) return;
  const ids = embeddings.map(({ memory }) => memory.id);
  const hashes = embeddings.map(({ memory }) => memory.contentHash);
  const vectors = embeddings.map(({ vector }) => `[${vector.join(',')}]`);
  await db.execute(sql`insert into memory_embeddings
      (memory_id, organization_id, agent_id, namespace, model, content_hash, dimensions, embedding)
    select memories.id, memories.organization_id, memories.agent_id, memories.namespace, ${model},
      input.content_hash, vector_dims(input.embedding::vector), input.embedding::vector
    from unnest(${sql.param(ids)}::uuid[], ${sql.param(hashes)}::text[], ${sql.param(vectors)}::text[])
      as input(memory_id, content_hash, embedding)
    join memories on memories.id = input.memory_id and memories.organization_id = ${scope.organizationId}
    on conflict (memory_id) do update set model = excluded.model, content_hash = excluded.content_hash,
      dimensions = excluded.dimensions, embedding = excluded.embedding`);
}

/** Removes the organization's memory embeddings made by another model than `model` (all for null). */
export async function removeOtherMemoryEmbeddings(
  db: Executor,
  scope: TenantScope,
  model: string | null,
): Promise<number> {
  const result = await db.execute(sql`with removed as (
      delete from memory_embeddings
      where organization_id = ${scope.organizationId} and model is distinct from ${model}
      returning 1
    ) select count(*)::int as removed from removed`);
  return rowsOf<{ removed: number }>(result)[0]?.removed ?? 0;
}

import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { sectionSeparator } from './extraction/extraction.ts';
import { type ChunkPosition, knowledgeChunks } from './knowledge-tables.ts';

/** A passage of a document as extraction cut it, in document order. */
export interface NewChunk {
  text: string;
  position: ChunkPosition;
}

/** A stored chunk, as retrieval and context assembly read it. */
export interface StoredChunk {
  id: string;
  contentId: string;
  ordinal: number;
  text: string;
  position: ChunkPosition;
}

/**
 * Rows per insert statement: six parameters each, well under PostgreSQL's 65,535, and large
 * enough that 10,000 chunks take ten statements.
 */
const INSERT_BATCH_ROWS = 1_000;

/**
 * Replaces a content's chunks with `chunks`, numbered in the order given. Run it in the
 * transaction that records the extraction, so that readers see the old chunks or the new ones,
 * never a mix. Embeddings of the old chunks go with them (cascade).
 */
export async function replaceChunks(
  tx: Executor,
  scope: TenantScope,
  contentId: string,
  chunks: readonly NewChunk[],
): Promise<void> {
  await tx
    .delete(knowledgeChunks)
    .where(and(inScope(knowledgeChunks.organizationId, scope), eq(knowledgeChunks.contentId, contentId)));
  for (let start = 0; start < chunks.length; start += INSERT_BATCH_ROWS) {
    const rows = chunks.slice(start, start + INSERT_BATCH_ROWS).map((chunk, offset) => ({
      id: uuidv7(),
      organizationId: scope.organizationId,
      contentId,
      ordinal: start + offset,
      text: chunk.text,
      position: chunk.position,
    }));
    await tx.insert(knowledgeChunks).values(rows);
  }
  // New entries of a GIN index wait in its pending list, which every search reads in full until
  // (auto)vacuum merges it; PGlite has no autovacuum. Merging once per content keeps searches fast.
  await tx.execute(sql`select gin_clean_pending_list('knowledge_chunks_search_idx'::regclass)`);
}

/** The chunks of the contents, each content's in document order (contents in the order given). */
export async function chunksInOrder(
  db: Executor,
  scope: TenantScope,
  contentIds: readonly string[],
): Promise<StoredChunk[]> {
  if (contentIds.length === 0) return [];
  const rows = await db
    .select({
      id: knowledgeChunks.id,
      contentId: knowledgeChunks.contentId,
      ordinal: knowledgeChunks.ordinal,
      text: knowledgeChunks.text,
      position: knowledgeChunks.position,
    })
    .from(knowledgeChunks)
    .where(
      and(
        inScope(knowledgeChunks.organizationId, scope),
        inArray(knowledgeChunks.contentId, [...contentIds]),
      ),
    )
    .orderBy(asc(knowledgeChunks.contentId), asc(knowledgeChunks.ordinal));
  const order = new Map(contentIds.map((contentId, index) => [contentId, index]));
  // A stable sort keeps each content's chunks in ordinal order.
  return rows.sort((first, second) => (order.get(first.contentId) ?? 0) - (order.get(second.contentId) ?? 0));
}

/** How many chunks a content has. */
export async function chunkCount(db: Executor, scope: TenantScope, contentId: string): Promise<number> {
  const [row] = await db
    .select({ chunks: count() })
    .from(knowledgeChunks)
    .where(and(inScope(knowledgeChunks.organizationId, scope), eq(knowledgeChunks.contentId, contentId)));
  return row?.chunks ?? 0;
}

/**
 * The extracted text of each content, rebuilt from its chunks: where the positions leave a gap
 * between two chunks (a page, sheet block or section ended), the section separator goes back in.
 */
export async function wholeTexts(
  db: Executor,
  scope: TenantScope,
  contentIds: readonly string[],
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const chunk of await chunksInOrder(db, scope, contentIds)) {
    const before = texts.get(chunk.contentId);
    if (before === undefined) texts.set(chunk.contentId, chunk.text);
    else {
      const separated = chunk.position.charStart > before.length ? sectionSeparator : '';
      texts.set(chunk.contentId, before + separated + chunk.text);
    }
  }
  return texts;
}

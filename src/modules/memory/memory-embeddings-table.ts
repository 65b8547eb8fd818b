import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { underVectorSetupLock, type VectorSupport } from '../knowledge/index.ts';

/** The table of memories' embeddings: it exists only where pgvector does. */
export const MEMORY_EMBEDDINGS = 'memory_embeddings';

const causeMessage = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * Creates `memory_embeddings` where the knowledge module found pgvector (the extension is set up
 * there), like `knowledge_chunk_embeddings` and for the same reason: migrations must run on a
 * PostgreSQL without pgvector too. Idempotent, safe when processes start together, and never
 * fails the start: without the table recall is full-text only.
 *
 * One embedding per memory, of its organization's current model and of the content it was made
 * from (`content_hash`, md5 of the content): an edit makes it stale until it is embedded again.
 * The agent and namespace are copied from the memory (neither changes) so that a namespace's
 * nearest embeddings are read without a join; each vector length gets its HNSW index on first use.
 */
export async function prepareMemoryEmbeddings(db: Database, support: VectorSupport): Promise<VectorSupport> {
  if (support.mode !== 'hybrid') return support;
  try {
    await underVectorSetupLock(db, async (tx) => {
      await tx.execute(sql`create table if not exists memory_embeddings (
        memory_id uuid primary key references memories(id) on delete cascade,
        organization_id uuid not null,
        agent_id uuid not null,
        namespace text not null,
        model text not null,
        content_hash text not null,
        dimensions integer not null,
        embedding vector not null
      )`);
      // Whether a recalled namespace holds embeddings of the model (before the message is embedded).
      await tx.execute(sql`create index if not exists memory_embeddings_namespace_model_idx
        on memory_embeddings (agent_id, namespace, model)`);
      // A model change removes the organization's embeddings of other models.
      await tx.execute(sql`create index if not exists memory_embeddings_organization_model_idx
        on memory_embeddings (organization_id, model)`);
    });
  } catch (error) {
    return { mode: 'full-text', reason: `memory_embeddings could not be created: ${causeMessage(error)}` };
  }
  return support;
}

/** The line the server logs at start, saying how memories are recalled on this database and why. */
export const memoryVectorMessage = (support: VectorSupport): string =>
  support.mode === 'hybrid'
    ? `memory recall: full-text blended with vector similarity for organizations with an embedding model; ${support.reason}`
    : `memory recall: full-text only; ${support.reason}`;

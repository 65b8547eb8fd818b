import { sql } from 'drizzle-orm';
import { type Database, type Executor, rowsOf } from '../../platform/db/database.ts';

/** What retrieval this database allows: vectors need pgvector; full-text search is always there. */
export interface VectorSupport {
  mode: 'hybrid' | 'full-text';
  /** Why, in words for the start-up log line. */
  reason: string;
}

/** The largest vector an HNSW index takes (pgvector's limit); longer ones are searched exactly. */
export const MAX_INDEXED_DIMENSIONS = 2_000;
/** The largest vector pgvector stores. */
export const MAX_DIMENSIONS = 16_000;
/** Shared by every Agentry process: concurrent starts (and index builds) create objects one at a time. */
const VECTOR_SETUP_LOCK_KEY = 7_406_275_012;
/** The table whose embeddings are typed and indexed unless another is named (memory has its own). */
const CHUNK_EMBEDDINGS = 'knowledge_chunk_embeddings';

/**
 * Runs `work` in a transaction holding the lock every process takes to create vector objects:
 * `create ... if not exists` is not safe against a concurrent creation of the same object.
 */
export const underVectorSetupLock = (db: Executor, work: (tx: Executor) => Promise<void>) =>
  db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${VECTOR_SETUP_LOCK_KEY})`);
    await work(tx);
  });

/** The deepest message of an error (Drizzle wraps the database's in `cause`). */
function innermostMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}

/**
 * Whether pgvector can be used, set up if so: `create extension vector` (only when the server
 * offers it), then the embeddings table. Idempotent and safe when several processes start at once;
 * never fails the start: without pgvector retrieval is full-text only.
 *
 * The table is created here rather than by a migration because migrations must run on a
 * PostgreSQL without pgvector too. One embedding per chunk, of the organization's current model;
 * vectors of any length share the column, and each length gets its own HNSW index (see
 * `createVectorIndexes`).
 */
export async function prepareVectorSupport(db: Database): Promise<VectorSupport> {
  const [offered] = rowsOf<{ version: string | null }>(
    await db.execute(
      sql`select default_version as version from pg_available_extensions where name = 'vector'`,
    ),
  );
  if (!offered) {
    return { mode: 'full-text', reason: 'the database server does not offer the pgvector extension' };
  }
  try {
    await underVectorSetupLock(db, async (tx) => {
      await tx.execute(sql`create extension if not exists vector`);
      await tx.execute(sql`create table if not exists knowledge_chunk_embeddings (
        chunk_id uuid primary key references knowledge_chunks(id) on delete cascade,
        organization_id uuid not null,
        model text not null,
        dimensions integer not null,
        embedding vector not null
      )`);
      // The re-embedding after a model change looks for the chunks of an organization not yet embedded
      // with its model, and removes the others.
      await tx.execute(sql`create index if not exists knowledge_chunk_embeddings_organization_model_idx
        on knowledge_chunk_embeddings (organization_id, model)`);
    });
  } catch (error) {
    return { mode: 'full-text', reason: `pgvector could not be set up: ${innermostMessage(error)}` };
  }
  const [installed] = rowsOf<{ version: string }>(
    await db.execute(sql`select extversion as version from pg_extension where extname = 'vector'`),
  );
  return {
    mode: 'hybrid',
    reason: `pgvector ${installed?.version ?? offered.version ?? ''} is installed`.trim(),
  };
}

/** The line the server logs at start, saying which retrieval this database allows and why. */
export const vectorSupportMessage = (support: VectorSupport): string =>
  support.mode === 'hybrid'
    ? `knowledge retrieval: hybrid (full-text and vectors) for organizations with an embedding model; ${support.reason}`
    : `knowledge retrieval: full-text only; ${support.reason}`;

/** Whether a vector length can be stored (pgvector's limit). */
export const isStorableDimensions = (dimensions: number) =>
  Number.isInteger(dimensions) && dimensions >= 1 && dimensions <= MAX_DIMENSIONS;

/** The common length of a provider's vectors; throws when it cannot be stored or they differ. */
export function storableDimensions(model: string, vectors: readonly (readonly number[])[]): number {
  const dimensions = vectors[0]?.length ?? 0;
  if (!isStorableDimensions(dimensions) || vectors.some((vector) => vector.length !== dimensions)) {
    throw new Error(`The embedding model ${model} returned vectors of unusable length ${dimensions}`);
  }
  return dimensions;
}

/** A table name inlined into statements: checked, never user input. */
function checkedTable(table: string): string {
  if (!/^[a-z_]+$/.test(table)) throw new RangeError(`Unexpected table name ${table}`);
  return table;
}

/**
 * The expression embeddings of `dimensions` are indexed and compared under: the column cast to a
 * fixed-length vector. A query must use exactly this expression (and `dimensions = N` written as a
 * constant) for the planner to match the partial index. `dimensions` is checked, then inlined.
 * `table` is a table shaped like `knowledge_chunk_embeddings` (`dimensions`, an untyped `embedding`).
 */
export function typedEmbedding(dimensions: number, table = CHUNK_EMBEDDINGS) {
  if (!isStorableDimensions(dimensions)) throw new RangeError(`Unsupported vector length ${dimensions}`);
  return {
    column: sql.raw(`(${checkedTable(table)}.embedding::vector(${dimensions}))`),
    type: sql.raw(`vector(${dimensions})`),
    dimensions: sql.raw(String(dimensions)),
  };
}

/**
 * Creates the HNSW index (cosine distance) of one vector length, once: lazily, when embeddings of
 * that length are first stored, so an organization's model choice decides which indexes exist.
 * Lengths beyond `MAX_INDEXED_DIMENSIONS` are not indexed (searched exactly).
 */
export function createVectorIndexes(table = CHUNK_EMBEDDINGS) {
  const ready = new Set<number>();
  return async function ensureVectorIndex(db: Executor, dimensions: number): Promise<void> {
    if (ready.has(dimensions) || dimensions > MAX_INDEXED_DIMENSIONS) return;
    const typed = typedEmbedding(dimensions, table);
    const name = sql.identifier(`${checkedTable(table)}_hnsw_${dimensions}`);
    await underVectorSetupLock(db, async (tx) => {
      await tx.execute(sql`create index if not exists ${name} on ${sql.identifier(table)}
        using hnsw (${typed.column} vector_cosine_ops) where dimensions = ${typed.dimensions}`);
    });
    ready.add(dimensions);
  };
}

export type EnsureVectorIndex = ReturnType<typeof createVectorIndexes>;

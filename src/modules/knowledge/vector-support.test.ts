import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { createVectorIndexes, prepareVectorSupport } from './vector-support.ts';

let database: TestDatabase;
let offered: boolean;

beforeAll(async () => {
  database = await createTestDatabase();
  offered =
    rowsOf(await database.db.execute(sql`select 1 from pg_available_extensions where name = 'vector'`))
      .length > 0;
});
afterAll(() => database.dispose());

describe('vector support', () => {
  it('sets pgvector up where the server offers it, idempotently, when processes start together', async () => {
    const supports = await Promise.all([
      prepareVectorSupport(database.db),
      prepareVectorSupport(database.db),
    ]);

    for (const support of supports) {
      expect(support.mode).toBe(offered ? 'hybrid' : 'full-text');
      expect(support.reason).toMatch(
        offered ? /^pgvector \d+\.\d+/ : /does not offer the pgvector extension/,
      );
    }
    const tables = rowsOf(
      await database.db.execute(sql`select 1 from pg_tables where tablename = 'knowledge_chunk_embeddings'`),
    );
    expect(tables).toHaveLength(offered ? 1 : 0);
  });

  it('creates the HNSW index of a vector length once, whoever asks', async ({ skip }) => {
    if (!offered) skip('no pgvector on this database server');
    await prepareVectorSupport(database.db);

    await Promise.all([createVectorIndexes()(database.db, 24), createVectorIndexes()(database.db, 24)]);
    await createVectorIndexes()(database.db, 3_072); // too long for HNSW: searched exactly

    const indexes = rowsOf<{ indexname: string; indexdef: string }>(
      await database.db.execute(
        sql`select indexname, indexdef from pg_indexes where tablename = 'knowledge_chunk_embeddings' and indexname like '%hnsw%'`,
      ),
    );
    expect(indexes).toEqual([
      {
        indexname: 'knowledge_chunk_embeddings_hnsw_24',
        indexdef: expect.stringMatching(
          /USING hnsw \(\(\(embedding\)::vector\(24\)\) vector_cosine_ops\) WHERE \(dimensions = 24\)/,
        ),
      },
    ]);
  });

  it('reports full-text retrieval, without failing, where pgvector is missing (PGlite opened without it)', async () => {
    const plain = await createTestDatabase({ withExtensions: false });
    try {
      const support = await prepareVectorSupport(plain.db);
      if (plain.kind === 'pglite') expect(support).toEqual({ mode: 'full-text', reason: expect.any(String) });
      else expect(support.mode).toBe(offered ? 'hybrid' : 'full-text');
    } finally {
      await plain.dispose();
    }
  });
});

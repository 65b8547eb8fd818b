import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { pgliteDatabase, pgliteExtensions } from '../../src/platform/db/open-database.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './test-database.ts';
import './provided.ts';

/**
 * A test database as `createTestDatabase` makes it, but whose PGlite is opened with the extensions
 * the server opens it with (pgvector), for retrieval's hybrid tests. PostgreSQL offers pgvector or
 * not, as installed.
 */
export async function createVectorTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind === 'postgres') return createTestDatabase();
  const snapshot = new Blob([await readFile(inject('pgliteSnapshot'))]);
  const database = pgliteDatabase(
    await PGlite.create({ loadDataDir: snapshot, extensions: pgliteExtensions }),
  );
  return { ...database, url: undefined, dispose: database.close };
}

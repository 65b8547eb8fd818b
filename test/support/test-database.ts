import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseHandle } from '../../src/platform/db/database.ts';
import { openDatabase, pgliteDatabase, pgliteExtensions } from '../../src/platform/db/open-database.ts';
import { databaseUrl } from './postgres-names.ts';
import './provided.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase extends DatabaseHandle {
  /** For PostgreSQL, the URL of this test's own database (to start a server process on it). */
  url: string | undefined;
  /** Closes and deletes the database. */
  dispose(): Promise<void>;
}

export const testDatabaseKind = (process.env.AGENTRY_TEST_DATABASE ?? 'pglite') as TestDatabaseKind;

async function createPostgresDatabase(adminUrl: string, template: string): Promise<string> {
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Cloning fails while another clone of the same template is being made: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        return name;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
}

async function dropPostgresDatabase(adminUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`).finally(() => admin.end());
}

/**
 * A fresh, migrated database of the kind this project runs on, private to the caller. Its PGlite
 * has the extensions the server opens it with (pgvector), unless `withExtensions` is false.
 */
export async function createTestDatabase({ withExtensions = true } = {}): Promise<TestDatabase> {
  if (testDatabaseKind === 'postgres') {
    const adminUrl = process.env.TEST_DATABASE_URL as string;
    const name = await createPostgresDatabase(adminUrl, inject('postgresTemplate'));
    const url = databaseUrl(adminUrl, name);
    const database = await openDatabase({ kind: 'postgres', url, poolMax: 10 });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= database.close();
      return closing;
    };
    return {
      ...database,
      url,
      close,
      dispose: async () => {
        await close();
        await dropPostgresDatabase(adminUrl, name);
      },
    };
  }
  const snapshot = new Blob([await readFile(inject('pgliteSnapshot'))]);
  const database = pgliteDatabase(
    await PGlite.create({
      loadDataDir: snapshot,
      ...(withExtensions ? { extensions: pgliteExtensions } : {}),
    }),
  );
  return { ...database, url: undefined, dispose: database.close };
}

import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/platform/db/open-database.ts';
import { startJobQueue } from '../../src/platform/queue/job-queue.ts';
import { databaseUrl, RUN_PREFIX } from './postgres-names.ts';
import './provided.ts';

/**
 * Creates and migrates a template database for this run; each test file clones it. Fails the
 * run loudly when PostgreSQL cannot be reached: TEST_DATABASE_URL set means "test PostgreSQL".
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL as string;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`);
  }
  const template = `${RUN_PREFIX}_template`;
  await admin.query(`create database ${template}`);
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, template), poolMax: 1 });
  await database.migrate();
  // Install the job queue's schema too, so that no test file pays for it.
  const queue = await startJobQueue(database.connection, { onError: (error) => console.error(error) });
  await queue.stop();
  await database.close();
  project.provide('postgresTemplate', template);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${RUN_PREFIX}%`],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
  };
}

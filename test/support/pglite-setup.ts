import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { TestProject } from 'vitest/node';
import { startJobQueue } from '../../src/platform/queue/job-queue.ts';
import './provided.ts';

/** Migrates one PGlite once; every test file loads its dump instead of initializing its own. */
export default async function setup(project: TestProject) {
  const directory = await mkdtemp(join(tmpdir(), 'agentry-pglite-'));
  const client = await PGlite.create();
  await migrate(drizzle({ client }), { migrationsFolder: join(import.meta.dirname, '../../drizzle') });
  // Install the job queue's schema too, so that no test file pays for it.
  const queue = await startJobQueue({ kind: 'pglite', client }, { onError: (error) => console.error(error) });
  await queue.stop();
  const dump = await client.dumpDataDir('none');
  await client.close();
  const snapshot = join(directory, 'migrated.tar');
  await writeFile(snapshot, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteSnapshot', snapshot);
  return () => rm(directory, { recursive: true, force: true });
}

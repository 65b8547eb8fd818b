import { defineConfig } from 'vitest/config';
import { databaseProjects } from '../support/database-projects.ts';

/**
 * Slow tests with real server processes (kill -9, SIGTERM and restarts, split API and worker
 * processes, caches and account changes seen across processes, a second process on one data
 * directory, database outages and dropped connections, a worker killed mid-job, one tenant's
 * flood beside another's reads, a private PostgreSQL stopped abruptly 40 times), run by CI and on
 * demand (`npm run test:faults`), never by `npm test`: their files end in `.fault.ts`, which the
 * main configuration does not include. Like the main suite they run on PGlite and, when
 * TEST_DATABASE_URL is set, on PostgreSQL; the private PostgreSQL (a project of its own) needs the
 * postgresql-15 server binaries.
 */
const privatePostgres = 'test/faults/postgres-restarts.fault.ts';

export default defineConfig({
  test: {
    testTimeout: 15 * 60_000,
    hookTimeout: 120_000,
    projects: [
      ...databaseProjects({ include: ['test/faults/**/*.fault.ts'], exclude: [privatePostgres] }),
      { extends: true, test: { name: 'private-postgres', include: [privatePostgres] } },
    ],
  },
});

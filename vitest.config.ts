import { defineConfig } from 'vitest/config';
import { databaseProjects } from './test/support/database-projects.ts';

/**
 * The whole suite runs on PGlite and, when TEST_DATABASE_URL is set, again on PostgreSQL. The slow
 * fault tests (test/faults, `npm run test:faults`) have a configuration of their own.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: databaseProjects({ include: ['src/**/*.test.ts', 'test/**/*.test.ts'] }),
  },
});

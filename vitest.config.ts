import { defineConfig } from 'vitest/config';

/**
 * The whole suite runs on PGlite and, when TEST_DATABASE_URL is set, again on PostgreSQL: the
 * same tests against both adapters of the database port.
 */
const postgresEnabled = Boolean(process.env.TEST_DATABASE_URL);

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'pglite',
          env: { AGENTRY_TEST_DATABASE: 'pglite' },
          globalSetup: ['test/support/pglite-setup.ts'],
        },
      },
      ...(postgresEnabled
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                env: { AGENTRY_TEST_DATABASE: 'postgres' },
                globalSetup: ['test/support/postgres-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});

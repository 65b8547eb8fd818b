import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './test-database.ts';

/**
 * The settings of `agentry serve` processes that share one database of the kind under test: a
 * data directory of their own (the embedded PGlite lives there), and on PostgreSQL a fresh
 * database with the secrets every process must share. `dispose` removes both.
 */
export async function serverEnvironment(settings: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-server-'));
  let database: TestDatabase | undefined;
  // Rate limits off unless `settings` turn them on, as in startTestApp.
  let env: Record<string, string> = {
    DATA_DIR: dataDir,
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'false',
    ...settings,
  };
  if (testDatabaseKind === 'postgres') {
    database = await createTestDatabase();
    await database.close();
    env = {
      ...env,
      DATABASE_URL: database.url as string,
      JWT_SECRET: 'server-test-secret-long-enough-for-hs256',
      AGENTRY_SECRET_KEY: 'ab'.repeat(32),
    };
  }
  return {
    env,
    dispose: async () => {
      await database?.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createHttpClient, type HttpClient } from './http-client.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export interface TestApp {
  url: string;
  http: HttpClient;
  database: TestDatabase;
  /** Every log line the server wrote, as text. */
  logs: string[];
  close(): Promise<void>;
}

/** Agentry on its own fresh database, listening on a random local port. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'info', JWT_SECRET: TEST_JWT_SECRET, ...env });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({ config, database, jwtSecret: config.jwtSecret ?? TEST_JWT_SECRET, logStream });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    http: createHttpClient(url),
    database,
    logs,
    close: async () => {
      await app.close();
      await database.dispose();
    },
  };
}

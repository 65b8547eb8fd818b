import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AgentryModule } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type ProcessRole, secretKeyFor, startAgentry } from '../../src/server.ts';
import { createHttpClient, type HttpClient } from './http-client.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';
/** The key that encrypts secrets at rest in test apps (AGENTRY_SECRET_KEY), unless a test sets one. */
export const TEST_SECRET_KEY = '7e57'.repeat(16);

export interface TestApp {
  url: string;
  http: HttpClient;
  /** The app's DATA_DIR: its uploaded files are under `files/`. */
  dataDir: string;
  database: TestDatabase;
  /** The SMTP listener's port when the app was started with EMAIL_SMTP_PORT (0 picks one). */
  smtpPort: number | null;
  /** The metrics listener's `/metrics` URL when the app was started with METRICS_PORT (0 picks one). */
  metricsUrl: string | null;
  /** Every log line the server wrote, as text. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Agentry on its own fresh database, assembled exactly as `agentry serve` does (API and in-process
 * queue workers), listening on a random local port. Rate limits are off unless `env` turns them on
 * (RATE_LIMIT_ENABLED=true): most tests send bursts from one organization, as no person would;
 * the limits' own tests turn them on. So is shedding on event-loop lag (see below).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  role: ProcessRole = 'all',
  modules: AgentryModule[] = [],
): Promise<TestApp> {
  const database = await createTestDatabase();
  // Uploaded files live in the app's own data directory, removed with it.
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-test-data-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    // Apps of one test file share its process, and one app's start blocks the loop of the others:
    // load shedding on event-loop lag is off unless a test turns it on.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const running = await startAgentry({
    config,
    database,
    jwtSecret: config.jwtSecret ?? TEST_JWT_SECRET,
    secretKey: secretKeyFor(config),
    role,
    logStream,
    modules,
  });
  const url = running.url ?? '';
  return {
    url,
    http: createHttpClient(url),
    dataDir: config.dataDir,
    database,
    smtpPort: running.smtpPort,
    metricsUrl: running.metricsUrl,
    logs,
    close: async () => {
      await running.stop();
      await database.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

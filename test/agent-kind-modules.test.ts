import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { KindModuleError } from '../src/modules/kinds/index.ts';
import { secretKeyFor, startAgentry } from '../src/server.ts';
import { registerAccount } from './support/accounts.ts';
import { startTestApp, TEST_JWT_SECRET, TEST_SECRET_KEY } from './support/test-app.ts';
import { createTestDatabase } from './support/test-database.ts';

/**
 * Loading kind modules at start (AGENT_REGISTRY_MODULES): each module that cannot be loaded is
 * reported in one JSON log line, then skipped or fatal (AGENT_REGISTRY_ON_ERROR).
 */
const fixtures = './test/fixtures/agent-kinds';
const broken: Record<string, string> = {
  [`${fixtures}/throwing-module.ts`]: 'cannot reach the kind catalogue',
  [`${fixtures}/invalid-schema-module.ts`]:
    'kind "bad-schema" is not valid: configSchema.properties.size.type',
  [`${fixtures}/duplicate-slug-module.ts`]: 'kind "conversational" is already registered (by builtin)',
  [`${fixtures}/no-registration-module.ts`]: 'exports no registerAgentKinds(registry) function',
  [`${fixtures}/missing-module.ts`]: 'no file',
  'agentry-kinds-that-do-not-exist': 'no file or package of that name is found',
};

/** The log lines reporting modules that were not loaded, parsed. */
const moduleReports = (logs: string[]) =>
  logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('agent kind module not loaded'))
    .map((line) => JSON.parse(line) as { agent_kind_module: string; reason: string; on_error: string });

describe('AGENT_REGISTRY_ON_ERROR=skip', () => {
  it('starts without the modules that cannot be loaded, each reported once with its reason', async () => {
    const app = await startTestApp({
      AGENT_REGISTRY_MODULES: [...Object.keys(broken), `${fixtures}/recording-kind.ts`].join(','),
      AGENT_REGISTRY_ON_ERROR: 'skip',
    });
    try {
      const account = await registerAccount(app.http);
      const definitions = await app.http.get('/api/v1/agent-definitions', { token: account.token });
      expect(definitions.body.map((definition: { slug: string }) => definition.slug)).toEqual([
        'autonomous',
        'conversational',
        'recording',
        'voice',
        'workflow',
      ]);
      const reports = moduleReports(app.logs);
      expect(reports.map((report) => report.agent_kind_module)).toEqual(Object.keys(broken));
      for (const report of reports) {
        expect(report.reason).toContain(broken[report.agent_kind_module]);
        expect(report.on_error).toBe('skip');
      }
      // The duplicate module's first kind, registered before its failure, was left out with it.
      const plain = await app.http.get('/api/v1/agent-definitions/plain', { token: account.token });
      expect(plain.status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('AGENT_REGISTRY_ON_ERROR=fail (the default)', () => {
  it('stops the start with an error naming the module and why', async () => {
    const database = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), 'agentry-test-data-'));
    const logs: string[] = [];
    try {
      const module = `${fixtures}/throwing-module.ts`;
      const config = loadConfig({
        DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
        PORT: '0',
        AGENT_REGISTRY_MODULES: `${fixtures}/recording-kind.ts,${module}`,
      });
      const starting = startAgentry({
        config,
        database,
        jwtSecret: TEST_JWT_SECRET,
        secretKey: secretKeyFor(config),
        role: 'all',
        logStream: new Writable({
          write(chunk, _encoding, done) {
            logs.push(String(chunk));
            done();
          },
        }),
      });
      await expect(starting).rejects.toBeInstanceOf(KindModuleError);
      await expect(starting).rejects.toThrow(
        `AGENT_REGISTRY_MODULES: the module ${module} cannot be loaded: cannot reach the kind catalogue`,
      );
      expect(moduleReports(logs)).toMatchObject([
        { agent_kind_module: module, reason: 'cannot reach the kind catalogue', on_error: 'fail' },
      ]);
    } finally {
      await database.dispose();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

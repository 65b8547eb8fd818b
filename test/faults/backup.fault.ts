import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, TEST_PASSWORD } from '../support/accounts.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { uploadAndAttach } from '../support/knowledge.ts';
import { databaseUrl } from '../support/postgres-names.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, runAgentryCommand, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * `agentry backup` taken while a server runs and takes writes (on the embedded database the
 * server writes it, asked through its operator socket; on PostgreSQL pg_dump runs in a snapshot),
 * then `agentry restore` into a fresh data directory (and, on PostgreSQL, a fresh database): a
 * server started there finds every agent, version, session, message and file (same bytes) of the
 * organizations that existed before the backup began. A non-empty target and a corrupted backup
 * are refused.
 */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let scratch: string;
const createdDatabases: string[] = [];

beforeAll(async () => {
  // Leases expire after 5 s: a stopped deployment is soon not "running", a live one always is.
  environment = await serverEnvironment({ RUN_RECOVERY_SECONDS: '10' });
  scratch = await mkdtemp(join(tmpdir(), 'agentry-backup-'));
});
afterEach(killServerProcesses);
afterAll(async () => {
  await environment?.dispose();
  await rm(scratch, { recursive: true, force: true });
  if (createdDatabases.length === 0) return;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  for (const name of createdDatabases) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

/** The settings of a fresh, empty deployment: a new data directory and, on PostgreSQL, a new empty database. */
async function freshTarget(label: string): Promise<Record<string, string>> {
  const dataDir = join(scratch, `data-${label}`);
  const env = { ...environment.env, DATA_DIR: dataDir };
  if (testDatabaseKind !== 'postgres') return env;
  const adminUrl = process.env.TEST_DATABASE_URL as string;
  const name = `agentry_backup_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`).finally(() => admin.end());
  createdDatabases.push(name);
  return { ...env, DATABASE_URL: databaseUrl(adminUrl, name) };
}

interface Seeded {
  email: string;
  agents: { id: string; versions: number }[];
  sessions: { id: string; messages: string[] }[];
  file: { id: string; content: string };
}

const expectStatus = (response: { status: number; body: unknown }, status: number) =>
  expect(response.status, JSON.stringify(response.body)).toBe(status);

/** An organization with two agents of three versions each, a two-turn session per agent, and a knowledge file. */
async function seedOrganization(http: HttpClient, label: string): Promise<Seeded> {
  const account = await registerAccount(http, `${label} admin`);
  const { token } = account;
  const seeded: Seeded = { email: account.email, agents: [], sessions: [], file: { id: '', content: '' } };
  for (const name of ['Harbour pilot', 'Lighthouse keeper']) {
    const created = await http.post('/api/v1/agents', { name: `${label} ${name}` }, { token });
    expectStatus(created, 201);
    const id = created.body.id as string;
    for (const temperature of [0.3, 0.9]) {
      expectStatus(await http.patch(`/api/v1/agents/${id}`, { temperature }, { token }), 200);
    }
    seeded.agents.push({ id, versions: 3 });
    const first = await http.post(
      `/api/v1/agents/${id}/execute`,
      { message: `When does the ${label} tide turn?` },
      { token },
    );
    expectStatus(first, 200);
    const sessionId = first.body.session_id as string;
    const second = await http.post(
      `/api/v1/agents/${id}/execute`,
      { message: 'And the next one?', session_id: sessionId },
      { token },
    );
    expectStatus(second, 200);
    const messages = await http.get(`/api/v1/sessions/${sessionId}/messages`, { token });
    expectStatus(messages, 200);
    seeded.sessions.push({
      id: sessionId,
      messages: messages.body.map((message: { id: string }) => message.id),
    });
  }
  const content = `# ${label} tide table\n\nHigh water at 06:12 and 18:40; the ${label} pilot boards at the outer buoy.\n`;
  const fileId = await uploadAndAttach(http, token, seeded.agents[0]?.id as string, {
    filename: `${label}-tides.md`,
    content,
  });
  seeded.file = { id: fileId, content };
  return seeded;
}

/** Signs in on the restored server and finds everything seeded, byte for byte for the file. */
async function expectRestored(http: HttpClient, seeded: Seeded) {
  const login = await http.post('/api/v1/auth/login', { email: seeded.email, password: TEST_PASSWORD });
  expectStatus(login, 200);
  const token = login.body.access_token as string;
  for (const agent of seeded.agents) {
    expectStatus(await http.get(`/api/v1/agents/${agent.id}`, { token }), 200);
    const versions = await http.get(`/api/v1/agents/${agent.id}/configuration/versions`, { token });
    expectStatus(versions, 200);
    expect(versions.body.map((version: { version: number }) => version.version).sort()).toEqual([1, 2, 3]);
  }
  for (const session of seeded.sessions) {
    expectStatus(await http.get(`/api/v1/sessions/${session.id}`, { token }), 200);
    const messages = await http.get(`/api/v1/sessions/${session.id}/messages`, { token });
    expectStatus(messages, 200);
    expect(messages.body.map((message: { id: string }) => message.id)).toEqual(session.messages);
  }
  const download = await http.get(`/api/v1/files/${seeded.file.id}/content`, { token });
  expectStatus(download, 200);
  expect(download.body).toBe(seeded.file.content);
}

/** Turns of a new organization, one after another, until stopped: writes that go on during the backup. */
function writeLoad(http: HttpClient) {
  let stopped = false;
  let turns = 0;
  const running = (async () => {
    const { token } = await registerAccount(http, 'Busy writer');
    const agent = await http.post('/api/v1/agents', { name: 'Busy agent' }, { token });
    expectStatus(agent, 201);
    while (!stopped) {
      const turn = await http.post(
        `/api/v1/agents/${agent.body.id}/execute`,
        { message: `Turn ${turns}` },
        { token },
      );
      expectStatus(turn, 200);
      turns++;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await running;
      return turns;
    },
  };
}

/** The command's summary: the JSON line with counts (log lines may come before it). */
function parseSummary(output: string) {
  for (const line of output.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line);
    if (parsed.counts) return parsed;
  }
  throw new Error(`no summary in:\n${output}`);
}

describe('agentry backup and restore', () => {
  it('backs up a live server taking writes, and restores into a fresh deployment that finds everything', {
    timeout: 300_000,
  }, async () => {
    const server = await startServerProcess(environment.env);
    const http = createHttpClient(server.url);
    const organizations = [await seedOrganization(http, 'north'), await seedOrganization(http, 'south')];

    const load = writeLoad(http);
    // A few turns first, so that the backup surely runs while writes go on.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const outputDirectory = join(scratch, 'backups');
    const backup = await runAgentryCommand(['backup', '--output', outputDirectory], environment.env);
    const turnsDuringBackup = await load.stop();
    expect(backup.code, backup.output).toBe(0);
    expect(turnsDuringBackup).toBeGreaterThan(0);
    const summary = parseSummary(backup.output);
    expect(summary.database).toBe(testDatabaseKind);
    expect(summary.counts.organizations).toBeGreaterThanOrEqual(2);
    expect(summary.counts.agent_versions).toBeGreaterThanOrEqual(12);
    expect(summary.blobs).toEqual({ count: 2, bytes: expect.any(Number), missing: [] });
    expect(await readdir(outputDirectory)).toEqual([summary.path.split('/').at(-1)]);
    if (testDatabaseKind === 'pglite') {
      // The server's operator socket is its owner's alone.
      expect((await stat(join(environment.env.DATA_DIR as string, 'agentry.sock'))).mode & 0o777).toBe(0o600);
    }
    // A restore over the live deployment is refused, whoever holds it.
    const overLive = await runAgentryCommand(['restore', summary.path], environment.env);
    expect(overLive.code).toBe(1);
    expect(overLive.output).toMatch(/in use by another Agentry process|already holds Agentry tables/);
    // Even with --force: the server holds the data directory, or its lease shows it running.
    const forcedOverLive = await runAgentryCommand(['restore', summary.path, '--force'], environment.env);
    expect(forcedOverLive.code).toBe(1);
    expect(forcedOverLive.output).toMatch(
      /in use by another Agentry process|Agentry process\(es\) run on the database/,
    );
    expect(await server.stop()).toBe(0);

    // Without a server, the command opens the database itself, and finds what the server left.
    const offline = await runAgentryCommand(
      ['backup', '--output', join(scratch, 'offline')],
      environment.env,
    );
    expect(offline.code, offline.output).toBe(0);
    const offlineCounts = parseSummary(offline.output).counts;
    expect(offlineCounts.messages).toBeGreaterThanOrEqual(summary.counts.messages);

    const target = await freshTarget('restored');
    const restore = await runAgentryCommand(['restore', summary.path], target);
    expect(restore.code, restore.output).toBe(0);
    const restored = parseSummary(restore.output);
    expect(restored.counts).toEqual(summary.counts);
    expect(restored.blobs.count).toBe(2);
    if (testDatabaseKind === 'pglite') {
      // The generated key that encrypts credentials came along: the restored deployment reads them.
      const secretOf = (dataDir: string | undefined) =>
        readFile(join(dataDir as string, 'secret-key'), 'utf8');
      expect(await secretOf(target.DATA_DIR)).toBe(await secretOf(environment.env.DATA_DIR));
    }

    const restoredServer = await startServerProcess(target);
    const restoredHttp = createHttpClient(restoredServer.url);
    for (const organization of organizations) await expectRestored(restoredHttp, organization);
    expect(await restoredServer.stop()).toBe(0);

    // Restoring again over the restored deployment is refused: it is not empty any more.
    const again = await runAgentryCommand(['restore', summary.path], target);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/is not empty|already holds Agentry tables/);
    expect(again.output).not.toMatch(/^\s+at /m);

    // With --force it replaces the target's content, which then holds the backup again.
    const forced = await runAgentryCommand(['restore', summary.path, '--force'], target);
    expect(forced.code, forced.output).toBe(0);
    expect(parseSummary(forced.output).counts).toEqual(summary.counts);
  });

  it('refuses a backup whose database, blob or manifest was corrupted, before touching the target', {
    timeout: 300_000,
  }, async () => {
    const [backupName] = await readdir(join(scratch, 'backups'));
    const original = join(scratch, 'backups', backupName as string);
    const manifest = JSON.parse(await readFile(join(original, 'manifest.json'), 'utf8'));

    const corruptions: [string, (copy: string) => Promise<void>, RegExp][] = [
      [
        'database',
        async (copy) => {
          const path = join(copy, manifest.database.file);
          const bytes = await readFile(path);
          bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
          await writeFile(path, bytes);
        },
        /does not match the manifest's SHA-256/,
      ],
      [
        'blob',
        (copy) => writeFile(join(copy, 'blobs', manifest.blobs.entries[0].key), 'tampered'),
        /missing or corrupted/,
      ],
      [
        'manifest',
        async (copy) => {
          const text = await readFile(join(copy, 'manifest.json'), 'utf8');
          await writeFile(join(copy, 'manifest.json'), text.slice(0, text.length / 2));
        },
        /not a readable backup manifest/,
      ],
      [
        'manifest-path',
        async (copy) => {
          const tampered = structuredClone(manifest);
          tampered.blobs.entries[0].key = '../../etc/passwd';
          await writeFile(join(copy, 'manifest.json'), JSON.stringify(tampered));
        },
        /not a valid Agentry backup manifest/,
      ],
    ];
    for (const [label, corrupt, refusal] of corruptions) {
      const copy = join(scratch, `corrupted-${label}`);
      await cp(original, copy, { recursive: true });
      await corrupt(copy);
      const target = await freshTarget(`corrupted-${label}`);
      const restore = await runAgentryCommand(['restore', copy], target);
      expect(restore.code, restore.output).toBe(1);
      expect(restore.output).toMatch(refusal);
      // Nothing was created: the target stays empty.
      await expect(readdir(target.DATA_DIR as string)).rejects.toThrow(/ENOENT/);
    }

    // A deployment whose AGENTRY_SECRET_KEY differs could not decrypt the backup's credentials.
    const otherKey = { ...(await freshTarget('other-key')), AGENTRY_SECRET_KEY: 'cd'.repeat(32) };
    const refused = await runAgentryCommand(['restore', original], otherKey);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain('were encrypted with another AGENTRY_SECRET_KEY');
  });
});

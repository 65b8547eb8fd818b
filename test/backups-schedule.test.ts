import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { BACKUP_QUEUE, restoreBackup } from '../src/modules/backups/index.ts';
import { openBlobStore } from '../src/platform/blobs/open-blob-store.ts';
import { type RunningAgentry, secretKeyFor, startAgentry } from '../src/server.ts';
import { registerAccount } from './support/accounts.ts';
import { createHttpClient } from './support/http-client.ts';
import { uploadAndAttach } from './support/knowledge.ts';
import { databaseUrl } from './support/postgres-names.ts';
import { type S3Server, startS3Server } from './support/s3-server.ts';
import { TEST_JWT_SECRET, TEST_SECRET_KEY } from './support/test-app.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './support/test-database.ts';

/**
 * The scheduled backup (BACKUP_CRON) runs through the queue where workers run: each run writes a
 * backup into BACKUP_DIR and deletes the oldest beyond BACKUP_RETENTION_COUNT, leaving anything
 * else in the folder alone; what it writes restores. Its occurrences are sent to the queue by
 * hand here (a cron fires at most once a minute). Blobs live in an S3 bucket (s3rver), and are
 * restored into another (local storage is the fault test's, test/faults/backup.fault.ts).
 */
const RETENTION = 2;

let database: TestDatabase;
let scratch: string;
let running: RunningAgentry;
let config: ReturnType<typeof loadConfig>;
let sourceBucket: S3Server;
let targetBucket: S3Server;
const logs: string[] = [];

const storageIn = (s3: S3Server) => ({
  STORAGE_TYPE: 's3',
  S3_BUCKET: s3.bucket,
  S3_ENDPOINT: s3.endpoint,
  S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
  S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
});

beforeAll(async () => {
  sourceBucket = await startS3Server('agentry-source');
  targetBucket = await startS3Server('agentry-restored');
  database = await createTestDatabase();
  scratch = await mkdtemp(join(tmpdir(), 'agentry-backup-schedule-'));
  config = loadConfig({
    DATA_DIR: join(scratch, 'data'),
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    BACKUP_CRON: '0 2 * * *',
    BACKUP_DIR: join(scratch, 'backups'),
    BACKUP_RETENTION_COUNT: String(RETENTION),
    ...storageIn(sourceBucket),
  });
  running = await startAgentry({
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
});

afterAll(async () => {
  await running?.stop();
  await database?.dispose();
  await sourceBucket?.close();
  await targetBucket?.close();
  await rm(scratch, { recursive: true, force: true });
});

const outcomes = () =>
  logs
    .map((line) => JSON.parse(line) as { msg: string; backup?: string; removed?: string[] })
    .filter((line) => line.msg === 'scheduled backup written' || line.msg === 'scheduled backup failed');

/** One occurrence of the schedule, sent to the queue; resolves with what its run logged. */
async function runScheduledBackup() {
  const before = outcomes().length;
  await running.queue.send(BACKUP_QUEUE, {});
  await expect.poll(() => outcomes().length, { timeout: 60_000, interval: 100 }).toBe(before + 1);
  return outcomes().at(-1) as { msg: string; backup: string; removed: string[] };
}

/** A fresh, empty database to restore into: a data directory, and on PostgreSQL a new database. */
async function withFreshTarget<T>(work: (settings: typeof config) => Promise<T>): Promise<T> {
  const dataDir = join(scratch, `restored-${randomBytes(4).toString('hex')}`);
  const settings = loadConfig({
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    ...storageIn(targetBucket),
  });
  if (testDatabaseKind !== 'postgres') return work(settings);
  const adminUrl = process.env.TEST_DATABASE_URL as string;
  const name = `agentry_backup_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    return await work({ ...settings, databaseUrl: databaseUrl(adminUrl, name) });
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

describe('the scheduled backup', () => {
  it('writes a backup per run, keeps the newest BACKUP_RETENTION_COUNT, and what it keeps restores', {
    timeout: 240_000,
  }, async () => {
    const http = createHttpClient(running.url as string);
    const { token, organizationId } = await registerAccount(http);
    const agent = await http.post('/api/v1/agents', { name: 'Night watch' }, { token });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const rota = 'Watch from 02:00.';
    await uploadAndAttach(http, token, agent.body.id, { filename: 'rota.txt', content: rota });
    // Things an operator keeps in the folder: not backups, never deleted.
    const backups = config.backups.directory;
    await mkdir(join(backups, 'keep-me'), { recursive: true });
    await mkdir(join(backups, 'agentry-backup-20000101T000000000Z'));

    const written: string[] = [];
    for (let run = 0; run < RETENTION + 2; run++) {
      const outcome = await runScheduledBackup();
      expect(outcome.msg, JSON.stringify(outcome)).toBe('scheduled backup written');
      written.push(outcome.backup);
      // Each run deletes what falls beyond the retention, oldest first.
      expect(outcome.removed).toEqual(run < RETENTION ? [] : [written[run - RETENTION]]);
    }
    const kept = written.slice(-RETENTION).map((path) => path.split('/').at(-1));
    expect((await readdir(backups)).sort()).toEqual(
      ['agentry-backup-20000101T000000000Z', 'keep-me', ...kept].sort(),
    );

    const restored = await withFreshTarget((settings) =>
      restoreBackup(written.at(-1) as string, settings, { force: false }),
    );
    expect(restored.database).toBe(testDatabaseKind);
    expect(restored.counts).toEqual(expect.objectContaining({ organizations: 1, agents: 1, files: 1 }));
    expect(restored.blobs.count).toBe(1);
    // The file's bytes are in the restored deployment's bucket, under the key its content has.
    const key = `${organizationId}/${createHash('sha256').update(rota).digest('hex')}`;
    const restoredBlobs = openBlobStore(loadConfig(storageIn(targetBucket)).storage);
    expect(await text(await restoredBlobs.open(key))).toBe(rota);
  });
});

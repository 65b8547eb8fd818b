import { existsSync, readFileSync } from 'node:fs';
import { copyFile, readdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import { openBlobStore } from '../../platform/blobs/open-blob-store.ts';
import { parseSecretKey } from '../../platform/crypto/secret-box.ts';
import { lockDataDirectory } from '../../platform/db/data-dir-lock.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { type OpenedDatabase, openDatabase } from '../../platform/db/open-database.ts';
import { loadPgliteDump } from '../../platform/db/pglite-dump.ts';
import { restorePostgres } from '../../platform/db/postgres-dump.ts';
import { countedTables, readCounts, readMigrationLevel, type TableCounts } from './backup-inventory.ts';
import {
  type BackupManifest,
  BackupRefusedError,
  BLOBS_FOLDER,
  readManifest,
  verifyBackupFiles,
} from './backup-manifest.ts';
import { secretKeyFingerprint } from './backup-secrets.ts';
import { dropAgentrySchemas, hasAgentryTables, liveAgentryProcesses } from './postgres-target.ts';

export type RestoreSettings = Pick<
  Config,
  'dataDir' | 'databaseUrl' | 'databasePoolMax' | 'secretKey' | 'storage' | 'backups' | 'runRecoverySeconds'
>;

/** What `agentry restore` prints. */
export interface RestoreSummary {
  restored_from: string;
  created_at: string;
  database: BackupManifest['database']['kind'];
  counts: TableCounts;
  blobs: { count: number; bytes: number; missing_in_backup: string[] };
  migrations: { in_backup: number; after_restore: number };
}

const journalPath = fileURLToPath(new URL('../../../drizzle/meta/_journal.json', import.meta.url));

/** The `when` of this version's newest migration: a backup migrated further is of a newer Agentry. */
function latestKnownMigration(): number {
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { when: number }[] };
  return Math.max(0, ...journal.entries.map((entry) => entry.when));
}

/** Refusals that need nothing but the backup and the settings: checked before anything is touched. */
function checkCompatible(manifest: BackupManifest, settings: RestoreSettings, force: boolean) {
  const targetKind = settings.databaseUrl ? 'postgres' : 'pglite';
  if (manifest.database.kind !== targetKind) {
    const where = (kind: string) =>
      kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database (DATA_DIR)';
    throw new BackupRefusedError(
      `This backup is of ${where(manifest.database.kind)}; the configuration names ${where(targetKind)}. ` +
        'Restore it with the same kind of database (docs/backups.md).',
    );
  }
  if (manifest.database.migrations.latest_created_at > latestKnownMigration()) {
    throw new BackupRefusedError(
      `This backup was made by a newer Agentry (${manifest.agentry_version}) whose schema this version does not know: restore it with that version or a later one.`,
    );
  }
  const expected = manifest.secrets.secret_key_fingerprint;
  const carried = manifest.secrets.files.some((file) => file.name === 'secret-key');
  const configured = settings.secretKey ? secretKeyFingerprint(parseSecretKey(settings.secretKey)) : null;
  const target = configured ?? (carried ? expected : null);
  if (expected && target !== expected && !force) {
    throw new BackupRefusedError(
      'The credentials in this backup (provider keys, channel and MCP secrets) were encrypted with another ' +
        'AGENTRY_SECRET_KEY than the one configured: set the key the backed-up deployment used, or pass --force ' +
        'to restore anyway (those credentials will then have to be entered again).',
    );
  }
}

async function verifyCounts(database: OpenedDatabase, manifest: BackupManifest): Promise<TableCounts> {
  const counts = await readCounts(async (text) => rowsOf(await database.db.execute(sql.raw(text))));
  const differing = countedTables.filter((table) => counts[table] !== manifest.counts[table]);
  if (differing.length > 0) {
    const details = differing.map((table) => `${table}: ${counts[table]} of ${manifest.counts[table]}`);
    throw new Error(`The restored database does not hold what the backup recorded (${details.join(', ')}).`);
  }
  return counts;
}

/** Copies the backup's blobs into the configured blob store (a directory or an S3 bucket). */
async function restoreBlobs(backupDirectory: string, manifest: BackupManifest, settings: RestoreSettings) {
  const store = openBlobStore(settings.storage);
  for (const blob of manifest.blobs.entries) {
    await store.putFile(blob.key, join(backupDirectory, BLOBS_FOLDER, blob.key), {
      contentType: blob.content_type,
      size: blob.size,
    });
  }
}

/**
 * What a data directory may hold and still count as empty: the lock (this restore's own), the
 * backups folder, and the folder the restored backup lies in when it lies inside.
 */
function isEmptyDataDirectory(dataDir: string, entries: string[], kept: string[]) {
  const keptTopFolders = kept
    .map((path) => relative(dataDir, path))
    .filter((path) => path !== '' && !path.startsWith('..'))
    .map((path) => path.split(sep)[0]);
  const ignored = new Set(['agentry.lock', 'backups', ...keptTopFolders]);
  return entries.every((entry) => ignored.has(entry));
}

async function restoreEmbedded(
  backupDirectory: string,
  manifest: BackupManifest,
  settings: RestoreSettings,
  force: boolean,
) {
  const { dataDir } = settings;
  const lock = await lockDataDirectory(dataDir);
  try {
    const entries = await readdir(dataDir);
    if (!isEmptyDataDirectory(dataDir, entries, [backupDirectory, settings.backups.directory])) {
      if (!force) {
        throw new BackupRefusedError(
          `The data directory ${dataDir} is not empty: restore into a fresh one, or pass --force to replace its database and files with the backup's.`,
        );
      }
      await rm(join(dataDir, 'db'), { recursive: true, force: true });
      if (settings.storage.type === 'local')
        await rm(settings.storage.directory, { recursive: true, force: true });
    }
    for (const secret of manifest.secrets.files) {
      await copyFile(join(backupDirectory, 'secrets', secret.name), join(dataDir, secret.name));
    }
    await loadPgliteDump(join(dataDir, 'db'), join(backupDirectory, manifest.database.file));
    const database = await openDatabase({ kind: 'pglite', directory: join(dataDir, 'db') });
    try {
      return await finishRestore(database, backupDirectory, manifest, settings);
    } finally {
      await database.close();
    }
  } finally {
    lock.release();
  }
}

async function restoreOnPostgres(
  url: string,
  backupDirectory: string,
  manifest: BackupManifest,
  settings: RestoreSettings,
  force: boolean,
) {
  if (await hasAgentryTables(url)) {
    if (!force) {
      throw new BackupRefusedError(
        'The database DATABASE_URL names already holds Agentry tables: restore into a fresh database, or stop every ' +
          'Agentry process and pass --force to replace its content with the backup.',
      );
    }
    // A lease expires once its heartbeat is half the recovery period old (ops/process-lease.ts).
    const leaseSeconds = settings.runRecoverySeconds / 2;
    const live = await liveAgentryProcesses(url, leaseSeconds);
    if (live > 0) {
      throw new BackupRefusedError(
        `${live} Agentry process(es) run on the database DATABASE_URL names (heartbeats within the last ` +
          `${leaseSeconds} s): stop every one before restoring over it.`,
      );
    }
    await dropAgentrySchemas(url);
  }
  await restorePostgres(url, join(backupDirectory, manifest.database.file));
  const database = await openDatabase({
    kind: 'postgres',
    url,
    poolMax: Math.min(settings.databasePoolMax, 2),
  });
  try {
    return await finishRestore(database, backupDirectory, manifest, settings);
  } finally {
    await database.close();
  }
}

/** Checks the loaded database against the manifest, migrates it to this version, then brings the blobs back. */
async function finishRestore(
  database: OpenedDatabase,
  backupDirectory: string,
  manifest: BackupManifest,
  settings: RestoreSettings,
): Promise<RestoreSummary> {
  const counts = await verifyCounts(database, manifest);
  await database.migrate();
  const level = await readMigrationLevel(async (text) => rowsOf(await database.db.execute(sql.raw(text))));
  await restoreBlobs(backupDirectory, manifest, settings);
  return {
    restored_from: backupDirectory,
    created_at: manifest.created_at,
    database: manifest.database.kind,
    counts,
    blobs: {
      count: manifest.blobs.count,
      bytes: manifest.blobs.bytes,
      missing_in_backup: manifest.blobs.missing,
    },
    migrations: { in_backup: manifest.database.migrations.applied, after_restore: level.applied },
  };
}

/**
 * Restores a backup written by `writeBackup` into the configured deployment: every part is checked
 * against the manifest first; then the database is loaded (the embedded one into DATA_DIR/db,
 * refused while a process holds the data directory; PostgreSQL through pg_restore), its rows
 * counted against the manifest, migrated to this version, and the blobs put into the configured
 * blob store. A non-empty target is refused unless `force`.
 */
export async function restoreBackup(
  backupPath: string,
  settings: RestoreSettings,
  { force }: { force: boolean },
): Promise<RestoreSummary> {
  const backupDirectory = resolve(backupPath);
  if (!existsSync(backupDirectory)) throw new BackupRefusedError(`There is no backup at ${backupDirectory}.`);
  const manifest = await readManifest(backupDirectory);
  checkCompatible(manifest, settings, force);
  await verifyBackupFiles(backupDirectory, manifest);
  return settings.databaseUrl
    ? restoreOnPostgres(settings.databaseUrl, backupDirectory, manifest, settings, force)
    : restoreEmbedded(backupDirectory, manifest, settings, force);
}

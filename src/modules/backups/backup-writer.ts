import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import packageJson from '../../../package.json' with { type: 'json' };
import { BlobNotFoundError, type BlobStore } from '../../platform/blobs/blob-store.ts';
import type { DatabaseConnection } from '../../platform/db/database.ts';
import { dumpPglite, type SnapshotQuery } from '../../platform/db/pglite-dump.ts';
import { dumpPostgres } from '../../platform/db/postgres-dump.ts';
import { type BlobEntry, type DatabaseInventory, readInventory } from './backup-inventory.ts';
import {
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  BackupRefusedError,
  BLOBS_FOLDER,
  MANIFEST_FILE,
  sha256OfFile,
} from './backup-manifest.ts';
import { type LocalSecretName, secretKeyFingerprint } from './backup-secrets.ts';

/** What a backup is taken of. */
export interface BackupSource {
  connection: DatabaseConnection;
  blobs: BlobStore;
  /** Where the local secrets live, and which of them to copy (`localSecretsOf`). */
  dataDir: string;
  localSecrets: LocalSecretName[];
  /** The key that encrypts credentials, when known: the manifest records its fingerprint. */
  secretKey: Buffer | null;
}

/** What `agentry backup` prints and the scheduled job logs. */
export interface BackupSummary {
  path: string;
  created_at: string;
  database: BackupManifest['database']['kind'];
  counts: BackupManifest['counts'];
  blobs: { count: number; bytes: number; missing: string[] };
}

/** A backup's folder name: sorts by time, which retention relies on. */
export const BACKUP_NAME = /^agentry-backup-\d{8}T\d{9}Z$/;
const backupName = (createdAt: Date) => `agentry-backup-${createdAt.toISOString().replace(/[-:.]/g, '')}`;

/** A database without Agentry's tables (never migrated, or the wrong DATABASE_URL) has nothing to back up. */
async function readAgentryInventory(query: SnapshotQuery) {
  return readInventory(query).catch((error: unknown) => {
    if ((error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
    throw new BackupRefusedError(
      `The database holds no Agentry tables (${(error as Error).message}): check DATABASE_URL or DATA_DIR.`,
    );
  });
}
const UNDEFINED_TABLE = '42P01';

async function dumpDatabase(connection: DatabaseConnection, folder: string) {
  if (connection.kind === 'pglite') {
    const file = 'database.tar.gz' as const;
    return { file, inventory: await dumpPglite(connection.client, join(folder, file), readAgentryInventory) };
  }
  const file = 'database.pgdump' as const;
  return { file, inventory: await dumpPostgres(connection.url, join(folder, file), readAgentryInventory) };
}

/** Copies every blob the dump names; one deleted since the dump is recorded as missing. */
async function copyBlobs(blobs: BlobStore, entries: BlobEntry[], folder: string) {
  const copied: BlobEntry[] = [];
  const missing: string[] = [];
  for (const entry of entries) {
    const target = join(folder, BLOBS_FOLDER, entry.key);
    await mkdir(dirname(target), { recursive: true });
    try {
      await pipeline(await blobs.open(entry.key), createWriteStream(target, { mode: 0o600 }));
      copied.push(entry);
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      missing.push(entry.key);
    }
  }
  return { copied, missing };
}

async function copySecrets(source: BackupSource, folder: string) {
  const files: BackupManifest['secrets']['files'] = [];
  if (source.localSecrets.length > 0) await mkdir(join(folder, 'secrets'), { mode: 0o700 });
  for (const name of source.localSecrets) {
    const target = join(folder, 'secrets', name);
    await copyFile(join(source.dataDir, name), target);
    files.push({ name, sha256: await sha256OfFile(target) });
  }
  return files;
}

function manifestOf(
  createdAt: Date,
  database: { file: BackupManifest['database']['file']; bytes: number; sha256: string },
  source: BackupSource,
  inventory: DatabaseInventory,
  blobs: { copied: BlobEntry[]; missing: string[] },
  secretFiles: BackupManifest['secrets']['files'],
): BackupManifest {
  return {
    format: 'agentry-backup',
    format_version: BACKUP_FORMAT_VERSION,
    agentry_version: packageJson.version,
    created_at: createdAt.toISOString(),
    database: { kind: source.connection.kind, ...database, migrations: inventory.migrations },
    counts: inventory.counts,
    blobs: {
      count: blobs.copied.length,
      bytes: blobs.copied.reduce((total, entry) => total + entry.size, 0),
      entries: blobs.copied,
      missing: blobs.missing,
    },
    secrets: {
      files: secretFiles,
      secret_key_fingerprint: source.secretKey ? secretKeyFingerprint(source.secretKey) : null,
    },
  };
}

/**
 * Writes a backup into a new folder `agentry-backup-<UTC time>` under `parentDirectory`: the
 * database first (a consistent dump, taken while it goes on serving), then the blobs its rows name
 * (written before any row names them, so none the dump needs is newer than it), the local secrets,
 * and manifest.json last. It is written under a dot-name and renamed once complete: a folder with
 * the backup's name is always a whole backup. Folders and files are private to the owner.
 */
export async function writeBackup(source: BackupSource, parentDirectory: string): Promise<BackupSummary> {
  const createdAt = new Date();
  const name = backupName(createdAt);
  await mkdir(parentDirectory, { recursive: true, mode: 0o700 });
  const draft = join(parentDirectory, `.${name}.partial`);
  await mkdir(draft, { mode: 0o700 });
  try {
    const { file, inventory } = await dumpDatabase(source.connection, draft);
    const dumpPath = join(draft, file);
    const database = { file, bytes: (await stat(dumpPath)).size, sha256: await sha256OfFile(dumpPath) };
    const blobs = await copyBlobs(source.blobs, inventory.blobs, draft);
    const secretFiles = await copySecrets(source, draft);
    const manifest = manifestOf(createdAt, database, source, inventory, blobs, secretFiles);
    await writeFile(join(draft, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const path = join(parentDirectory, name);
    await rename(draft, path);
    return {
      path,
      created_at: manifest.created_at,
      database: manifest.database.kind,
      counts: manifest.counts,
      blobs: { count: manifest.blobs.count, bytes: manifest.blobs.bytes, missing: manifest.blobs.missing },
    };
  } catch (error) {
    await rm(draft, { recursive: true, force: true });
    throw error;
  }
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { countedTables } from './backup-inventory.ts';

export const MANIFEST_FILE = 'manifest.json';
export const BLOBS_FOLDER = 'blobs';
/** Bumped when a backup's layout changes in a way an older restore could not read. */
export const BACKUP_FORMAT_VERSION = 1;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);
/** A blob key as the knowledge module writes them, `<organization>/<sha256>`: never a path elsewhere. */
const blobKey = z.string().regex(/^[a-z0-9-]{1,255}\/[0-9a-f]{64}$/);

/** manifest.json: what a backup holds, and the checksums a restore verifies before it loads anything. */
export const manifestSchema = z.object({
  format: z.literal('agentry-backup'),
  format_version: z.literal(BACKUP_FORMAT_VERSION),
  agentry_version: z.string(),
  created_at: z.iso.datetime(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    /** The dump, beside the manifest: a PGlite data-directory tarball, or `pg_dump -Fc` output. */
    file: z.enum(['database.tar.gz', 'database.pgdump']),
    bytes: count,
    sha256: sha256Hex,
    migrations: z.object({ applied: count, latest_created_at: count }),
  }),
  counts: z.object(
    Object.fromEntries(countedTables.map((table) => [table, count])) as Record<
      (typeof countedTables)[number],
      typeof count
    >,
  ),
  blobs: z.object({
    count,
    bytes: count,
    /** Copied under blobs/<key>; content-addressed, so each one's SHA-256 is the end of its key. */
    entries: z.array(z.object({ key: blobKey, size: count, content_type: z.string() })),
    /** Named by the database but absent from the blob store when the backup copied the blobs. */
    missing: z.array(blobKey),
  }),
  secrets: z.object({
    /** The embedded default's generated secrets (secret-key, jwt-secret), copied under secrets/. */
    files: z.array(z.object({ name: z.enum(['secret-key', 'jwt-secret']), sha256: sha256Hex })),
    /** Identifies the key that encrypts provider and channel credentials (an HMAC, not the key). */
    secret_key_fingerprint: z.string().nullable(),
  }),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/** A backup that cannot be restored as it is: unreadable, corrupted, or of another deployment. */
export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefusedError';
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Reads and validates a backup's manifest; refuses a missing, malformed or unknown one. */
export async function readManifest(backupDirectory: string): Promise<BackupManifest> {
  const path = join(backupDirectory, MANIFEST_FILE);
  let content: unknown;
  try {
    content = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new BackupRefusedError(`${path} is not a readable backup manifest (${reason}).`);
  }
  const parsed = manifestSchema.safeParse(content);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new BackupRefusedError(`${path} is not a valid Agentry backup manifest (${problems.join('; ')}).`);
  }
  return parsed.data;
}

/**
 * Checks every part of a backup against its manifest before anything is loaded: the dump's
 * SHA-256 and size, each blob's content against its key, each secret file.
 */
export async function verifyBackupFiles(backupDirectory: string, manifest: BackupManifest): Promise<void> {
  const dump = join(backupDirectory, manifest.database.file);
  const dumpSha = await sha256OfFile(dump).catch(() => null);
  if (dumpSha !== manifest.database.sha256) {
    throw new BackupRefusedError(
      `${dump} does not match the manifest's SHA-256 (missing or corrupted): the backup cannot be restored.`,
    );
  }
  for (const blob of manifest.blobs.entries) {
    const expected = blob.key.split('/')[1];
    const actual = await sha256OfFile(join(backupDirectory, BLOBS_FOLDER, blob.key)).catch(() => null);
    if (actual !== expected) {
      throw new BackupRefusedError(
        `The blob ${blob.key} of the backup is missing or corrupted: the backup cannot be restored.`,
      );
    }
  }
  for (const secret of manifest.secrets.files) {
    const actual = await sha256OfFile(join(backupDirectory, 'secrets', secret.name)).catch(() => null);
    if (actual !== secret.sha256) {
      throw new BackupRefusedError(`The secret file ${secret.name} of the backup is missing or corrupted.`);
    }
  }
}

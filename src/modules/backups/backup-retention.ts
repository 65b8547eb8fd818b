import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from './backup-manifest.ts';
import { BACKUP_NAME } from './backup-writer.ts';

/**
 * Keeps the newest `keep` backups in `directory` and deletes the older ones; returns the paths
 * deleted. Only folders named and shaped as complete backups count: anything else an operator put
 * there is left alone, and so are backups still being written (their names start with a dot).
 */
export async function pruneBackups(directory: string, keep: number): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const backups = entries
    .filter((entry) => entry.isDirectory() && BACKUP_NAME.test(entry.name))
    .map((entry) => join(directory, entry.name))
    .filter((path) => existsSync(join(path, MANIFEST_FILE)))
    .sort()
    .reverse();
  const expired = backups.slice(keep);
  for (const path of expired) await rm(path, { recursive: true, force: true });
  return expired;
}

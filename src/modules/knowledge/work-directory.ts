import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Work files older than this belong to no running upload or extraction. */
const STALE_AFTER_MS = 6 * 3_600_000;

/**
 * Removes the uploads and extraction copies a killed process left in the work directory
 * (`DATA_DIR/tmp`). Only old files go: processes sharing the directory may be using new ones.
 */
export async function sweepStaleWorkFiles(directory: string, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter((candidate) => /^(upload|extract)-/.test(candidate))) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > STALE_AFTER_MS) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

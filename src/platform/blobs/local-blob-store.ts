import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertValidBlobKey,
  assertValidBlobRange,
  BlobNotFoundError,
  type BlobPutOptions,
  type BlobRange,
  type BlobStore,
} from './blob-store.ts';

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** A path that does not exist, or runs through a file where a directory would be. */
const isAbsent = (error: unknown) => errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';

/** Makes a rename in the directory survive a crash (the file's own bytes are synced before). */
async function syncDirectory(directory: string) {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Blobs as files under a directory (`DATA_DIR/files` by default), at `<directory>/<key>`. A put
 * copies to a draft beside the target, syncs it and renames it over the target: on one filesystem
 * the blob appears whole or not at all. Drafts start with a dot, which no key can, so they are
 * never read as blobs.
 */
export function localBlobStore(directory: string): BlobStore {
  const pathOf = (key: string) => {
    assertValidBlobKey(key);
    return join(directory, key);
  };

  return {
    kind: 'local',

    async putFile(key: string, sourcePath: string, { size }: BlobPutOptions) {
      const target = pathOf(key);
      const folder = dirname(target);
      await mkdir(folder, { recursive: true });
      const draft = join(folder, `.${basename(target)}.${randomUUID()}.draft`);
      try {
        await copyFile(sourcePath, draft);
        const handle = await open(draft, 'r+');
        try {
          const copied = (await handle.stat()).size;
          if (copied !== size) throw new Error(`The file ${sourcePath} has ${copied} bytes, not ${size}`);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(draft, target);
      } catch (error) {
        await rm(draft, { force: true });
        throw error;
      }
      await syncDirectory(folder);
    },

    async open(key: string, range?: BlobRange): Promise<Readable> {
      const path = pathOf(key);
      assertValidBlobRange(range);
      try {
        // Opened first so that a missing blob rejects here, not later as a stream error.
        const handle = await open(path, 'r');
        return handle.createReadStream(range ?? {});
      } catch (error) {
        if (isAbsent(error)) throw new BlobNotFoundError(key, { cause: error });
        throw error;
      }
    },

    async exists(key: string) {
      const path = pathOf(key);
      try {
        return (await stat(path)).isFile();
      } catch (error) {
        if (isAbsent(error)) return false;
        throw error;
      }
    },

    async remove(key: string) {
      await rm(pathOf(key), { force: true });
    },

    async check() {
      const probe = join(directory, `.health-${randomUUID()}`);
      const content = randomUUID();
      try {
        await mkdir(directory, { recursive: true });
        await writeFile(probe, content, { flag: 'wx' });
        if ((await readFile(probe, 'utf8')) !== content) {
          throw new Error('a probe file read back differently');
        }
      } catch (error) {
        const reason = (error as Error).message;
        throw new Error(`The blob directory ${directory} cannot be written and read: ${reason}`, {
          cause: error,
        });
      } finally {
        await rm(probe, { force: true }).catch(() => undefined);
      }
    },
  };
}

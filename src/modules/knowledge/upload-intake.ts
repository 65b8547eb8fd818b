import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError } from '../../platform/http/errors.ts';

const BYTES_PER_MEGABYTE = 1024 * 1024;

export interface UploadIntakeOptions {
  /** Where the temporary file is written; created when missing. */
  directory: string;
  /** The largest upload accepted, in bytes. */
  maxBytes: number;
}

/** An upload on disk, not yet screened: its temporary file, content hash and size. */
export interface ReceivedUpload {
  path: string;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
}

/**
 * Streams an upload into a new temporary file (readable only by this user) while hashing and
 * counting it; the upload is never held in memory whole. Past `maxBytes` it stops at once,
 * destroys `source` and rejects with a 413 `file_too_large`. On any failure (the client going
 * away, a full disk) the temporary file is removed before the promise rejects.
 */
export async function receiveUpload(
  source: Readable,
  { directory, maxBytes }: UploadIntakeOptions,
): Promise<ReceivedUpload> {
  const path = join(directory, `upload-${randomUUID()}`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) {
        callback(fileTooLarge(maxBytes));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    // `wx`: a name that somehow exists already is never overwritten.
    await pipeline(source, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    // pipeline destroys its streams on failure; a failure before it started must not leave the source open.
    source.destroy();
    await discardUpload(path);
    throw error;
  }
  return { path, sha256: hash.digest('hex'), size };
}

/** Removes an upload's temporary file; nothing happens when it is gone already. */
export async function discardUpload(path: string): Promise<void> {
  await rm(path, { force: true });
}

function fileTooLarge(maxBytes: number): PayloadTooLargeError {
  const megabytes = maxBytes / BYTES_PER_MEGABYTE;
  const shown = megabytes >= 1 ? Number(megabytes.toFixed(1)) : Number(megabytes.toPrecision(2));
  return new PayloadTooLargeError('file_too_large', `The file is larger than the ${shown} MB limit`, {
    maxBytes,
  });
}

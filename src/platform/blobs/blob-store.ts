import type { Readable } from 'node:stream';

/** Inclusive byte offsets into a blob, as in an HTTP `Range` header; `start` lies within the blob. */
export interface BlobRange {
  start: number;
  end: number;
}

/** What a store is told about the file it stores. */
export interface BlobPutOptions {
  /** Kept with the blob where the store has metadata (S3); the local store keeps bytes only. */
  contentType: string;
  /** The file's size in bytes: a file of another size is refused, so a truncated file is never stored. */
  size: number;
}

/**
 * Where uploaded files' bytes live. Keys are `<organization uuid>/<sha256 hex>`; every method
 * refuses any other shape before it touches storage.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Stores the file at sourcePath under key, whole or not at all (never visible half-written); storing equal content again under the same key is harmless. */
  putFile(key: string, sourcePath: string, options: BlobPutOptions): Promise<void>;
  /** The blob's bytes as a stream (optionally a byte range); rejects with BlobNotFoundError when absent. */
  open(key: string, range?: BlobRange): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Removes the blob; removing an absent one is not an error. */
  remove(key: string): Promise<void>;
  /** Checks the store is reachable and writable (for the health endpoint); throws with a readable message otherwise. */
  check(): Promise<void>;
}

/** The blob the key names is not in the store. */
export class BlobNotFoundError extends Error {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`No blob is stored under ${key}`, options);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/**
 * Two names of lowercase letters, digits and dashes, an owner and a blob: no `..`, no absolute
 * path, no backslash, nothing a filesystem or an S3 gateway could read as anything but a name. With
 * exactly two parts no key is the folder of another.
 */
const KEY_SHAPE = /^[a-z0-9-]{1,255}\/[a-z0-9-]{1,255}$/;

/** Throws unless the key has the safe shape of a blob key. */
export function assertValidBlobKey(key: string): void {
  if (!KEY_SHAPE.test(key)) {
    throw new Error(
      `Invalid blob key ${JSON.stringify(key.slice(0, 100))}: expected <organization>/<sha256>`,
    );
  }
}

/** Throws unless the range is a non-empty span of non-negative whole offsets. */
export function assertValidBlobRange(range: BlobRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new Error(`Invalid byte range ${start}-${end}`);
  }
}

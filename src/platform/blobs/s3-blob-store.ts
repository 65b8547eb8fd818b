import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { StorageSettings } from '../../config.ts';
import {
  assertValidBlobKey,
  assertValidBlobRange,
  BlobNotFoundError,
  type BlobPutOptions,
  type BlobRange,
  type BlobStore,
} from './blob-store.ts';

export type S3StorageSettings = Extract<StorageSettings, { type: 's3' }>;

/** How long a connection may take to open, and a request may go without any byte moving. */
const CONNECTION_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 30_000;

function clientFor(settings: S3StorageSettings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint === null
      ? {}
      : {
          endpoint: settings.endpoint,
          // The SDK's default sends streamed bodies aws-chunked with a trailing checksum, which
          // S3-compatible services (s3rver, older MinIO and Ceph) store as is or refuse.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
        }),
    ...(settings.credentials === null ? {} : { credentials: settings.credentials }),
    // Idle rather than total: a large upload or download may take long, a stalled one may not.
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, socketTimeout: IDLE_TIMEOUT_MS },
  });
}

/** A failure in words for an operator: the S3 error code and status, or the network error. */
function reasonOf(error: unknown): string {
  if (error instanceof S3ServiceException) {
    return `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'}): ${error.message}`;
  }
  // A connection to a host name with several addresses fails once per address.
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(reasonOf).join('; ');
  }
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}

/**
 * Blobs as objects of an S3 bucket (AWS, or an S3-compatible service at `endpoint`). An S3 PUT is
 * atomic by itself: the object appears whole once the upload completes.
 */
export function s3BlobStore(settings: S3StorageSettings): BlobStore {
  const client = clientFor(settings);
  const { bucket } = settings;
  const where = `The S3 bucket "${bucket}"${settings.endpoint === null ? '' : ` at ${settings.endpoint}`}`;

  return {
    kind: 's3',

    async putFile(key: string, sourcePath: string, { contentType, size }: BlobPutOptions) {
      assertValidBlobKey(key);
      // Opened and measured before any request: a missing or different file sends nothing.
      const handle = await open(sourcePath, 'r');
      const body = handle.createReadStream({ autoClose: false });
      try {
        const actual = (await handle.stat()).size;
        if (actual !== size) throw new Error(`The file ${sourcePath} has ${actual} bytes, not ${size}`);
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: size,
            ContentType: contentType,
          }),
        );
      } finally {
        body.destroy();
        await handle.close();
      }
    },

    async open(key: string, range?: BlobRange): Promise<Readable> {
      assertValidBlobKey(key);
      assertValidBlobRange(range);
      try {
        const { Body } = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        if (!(Body instanceof Readable)) throw new Error(`${where} answered without a body for ${key}`);
        return Body;
      } catch (error) {
        if (error instanceof NoSuchKey) throw new BlobNotFoundError(key, { cause: error });
        throw error;
      }
    },

    async exists(key: string) {
      assertValidBlobKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        // A HEAD answer has no body, so a missing object is a bare 404.
        if (error instanceof NotFound) return false;
        throw error;
      }
    },

    async remove(key: string) {
      assertValidBlobKey(key);
      // S3 answers a DELETE of an absent object with success.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async check() {
      // Outside the key space (keys never start with a dot), so never mistaken for a blob.
      const probe = `.health/${randomUUID()}`;
      const content = randomUUID();
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: content }));
        const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: probe }));
        if ((await Body?.transformToString()) !== content) {
          throw new Error('a probe object read back differently');
        }
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
      } catch (error) {
        throw new Error(`${where} cannot be written and read: ${reasonOf(error)}`, { cause: error });
      }
    },
  };
}

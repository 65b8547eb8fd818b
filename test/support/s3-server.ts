import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface S3Server {
  /** `http://127.0.0.1:<port>`: address buckets by path (forcePathStyle). */
  endpoint: string;
  bucket: string;
  /** The only credentials s3rver accepts; it checks request signatures with them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** A real S3-protocol server (s3rver) on loopback, storing into a fresh temporary directory. */
export async function startS3Server(bucket = 'agentry-blobs'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'agentry-blobs-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

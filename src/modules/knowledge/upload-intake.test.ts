import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadTooLargeError } from '../../platform/http/errors.ts';
import { discardUpload, receiveUpload } from './upload-intake.ts';

const MEGABYTE = 1024 * 1024;
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

let root: string;
let testNumber = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentry-intake-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A directory of its own for each test, not created yet: receiveUpload creates it. */
const freshDirectory = () => join(root, `test-${++testNumber}`, 'uploads');

/** `count` chunks of 64 KiB, each filled with its own number: 5 MB without a 5 MB buffer. */
function* chunks(count: number): Generator<Buffer> {
  for (let index = 0; index < count; index++) yield Buffer.alloc(64 * 1024, index % 251);
}

describe('receiveUpload', () => {
  it('streams an upload to a private temporary file with its SHA-256 and size', async () => {
    const expected = createHash('sha256');
    for (const chunk of chunks(80)) expected.update(chunk);
    const directory = freshDirectory();

    const upload = await receiveUpload(Readable.from(chunks(80)), { directory, maxBytes: 50 * MEGABYTE });

    expect(upload.size).toBe(5 * MEGABYTE);
    expect(upload.sha256).toBe(expected.digest('hex'));
    expect(upload.path.startsWith(`${directory}/`)).toBe(true);
    const written = await readFile(upload.path);
    expect(createHash('sha256').update(written).digest('hex')).toBe(upload.sha256);
    expect((await stat(upload.path)).mode & 0o777).toBe(0o600);
  });

  it('gives every upload a file of its own', async () => {
    const directory = freshDirectory();
    const limits = { directory, maxBytes: MEGABYTE };
    const [first, second] = await Promise.all([
      receiveUpload(Readable.from([Buffer.from('one')]), limits),
      receiveUpload(Readable.from([Buffer.from('one')]), limits),
    ]);
    expect(first.path).not.toBe(second.path);
    expect(first.sha256).toBe(second.sha256);
    expect((await readdir(directory)).length).toBe(2);
  });

  it('accepts an upload of exactly the limit', async () => {
    const upload = await receiveUpload(Readable.from(chunks(16)), {
      directory: freshDirectory(),
      maxBytes: MEGABYTE,
    });
    expect(upload.size).toBe(MEGABYTE);
  });

  it('refuses with 413 past the limit, stops reading, destroys the source and leaves no file', async () => {
    const directory = freshDirectory();
    let chunksRead = 0;
    // Endless: the intake has to stop on its own.
    const source = Readable.from(
      (function* () {
        for (;;) {
          chunksRead++;
          yield Buffer.alloc(64 * 1024, 1);
        }
      })(),
    );

    const refusal = await receiveUpload(source, { directory, maxBytes: MEGABYTE }).catch((error) => error);

    expect(refusal).toBeInstanceOf(PayloadTooLargeError);
    expect(refusal).toMatchObject({ status: 413, code: 'file_too_large', details: { maxBytes: MEGABYTE } });
    expect(refusal.message).toBe('The file is larger than the 1 MB limit');
    expect(source.destroyed).toBe(true);
    expect(chunksRead).toBeLessThan(40);
    expect(await readdir(directory)).toEqual([]);
  });

  it('names a fractional limit in MB', async () => {
    const refusal = await receiveUpload(Readable.from([Buffer.alloc(2000)]), {
      directory: freshDirectory(),
      maxBytes: 1000,
    }).catch((error) => error);
    expect(refusal.message).toBe('The file is larger than the 0.00095 MB limit');
  });

  it('removes the temporary file when the source fails midway', async () => {
    const directory = freshDirectory();
    const source = new Readable({ read() {} });
    source.push(Buffer.alloc(256 * 1024, 7));
    const received = receiveUpload(source, { directory, maxBytes: 50 * MEGABYTE });
    received.catch(() => {});
    await pause(50);
    expect(await readdir(directory)).toHaveLength(1);

    source.destroy(new Error('connection reset'));
    await expect(received).rejects.toThrow('connection reset');
    expect(await readdir(directory)).toEqual([]);
  });

  it('removes the temporary file when an HTTP client goes away mid-upload', async () => {
    const directory = freshDirectory();
    const outcome = Promise.withResolvers<unknown>();
    const server = createServer((incoming) => {
      receiveUpload(incoming, { directory, maxBytes: 50 * MEGABYTE }).then(outcome.resolve, outcome.resolve);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const client = request({
        port,
        host: '127.0.0.1',
        method: 'POST',
        headers: { 'content-length': 10 * MEGABYTE },
      });
      client.on('error', () => {});
      client.write(Buffer.alloc(512 * 1024, 3));
      await pause(100);
      expect(await readdir(directory)).toHaveLength(1);
      client.destroy();

      const result = await outcome.promise;
      expect(result).toBeInstanceOf(Error);
      expect(await readdir(directory)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('fails when the directory cannot be created, leaving the source destroyed', async () => {
    const source = Readable.from([Buffer.from('hello')]);
    // A regular file where a parent directory should be.
    const blocked = join(root, 'blocked');
    await writeFile(blocked, 'not a directory');
    await expect(
      receiveUpload(source, { directory: join(blocked, 'uploads'), maxBytes: 10 }),
    ).rejects.toThrow();
    expect(source.destroyed).toBe(true);
  });
});

describe('discardUpload', () => {
  it('removes the file, and does nothing when it is gone already', async () => {
    const directory = freshDirectory();
    const upload = await receiveUpload(Readable.from([Buffer.from('bye')]), { directory, maxBytes: 10 });
    await discardUpload(upload.path);
    expect(await readdir(directory)).toEqual([]);
    await expect(discardUpload(upload.path)).resolves.toBeUndefined();
  });
});

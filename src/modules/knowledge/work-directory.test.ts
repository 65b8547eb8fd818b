import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleWorkFiles } from './work-directory.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'agentry-work-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('the sweep of the work directory', () => {
  it('removes old upload and extraction copies, and keeps new ones and other files', async () => {
    const old = new Date(Date.now() - 7 * 3_600_000);
    for (const name of ['upload-old', 'extract-old', 'keep-me-old']) {
      await writeFile(join(directory, name), 'x');
      await utimes(join(directory, name), old, old);
    }
    await writeFile(join(directory, 'upload-new'), 'x');
    expect(await sweepStaleWorkFiles(directory)).toBe(2);
    expect((await readdir(directory)).sort()).toEqual(['keep-me-old', 'upload-new']);
  });

  it('does nothing when the directory does not exist yet', async () => {
    expect(await sweepStaleWorkFiles(join(directory, 'missing'))).toBe(0);
  });
});

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import { localFileStorage } from './file-storage.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentry-file-storage-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const principal = backgroundPrincipal({ organizationId: 'org', trigger: 'monitoring', role: 'readonly' });
const agent = {} as AgentView;

describe('the embedded default’s file storage', () => {
  it('creates its directory, writes and reads a probe back, and removes it', async () => {
    const directory = join(root, 'data', 'files');
    expect(await localFileStorage(directory).checkAccess(principal, agent)).toEqual({ status: 'healthy' });
    expect(await readdir(directory)).toEqual([]);
  });

  it('reports an error, without the path, when the directory cannot be written', async () => {
    // A regular file where the directory should be.
    const blocked = join(root, 'blocked');
    await writeFile(blocked, 'not a directory');
    const result = await localFileStorage(join(blocked, 'files')).checkAccess(principal, agent);
    expect(result).toEqual({ status: 'error', message: 'The file storage cannot be written or read' });
  });
});

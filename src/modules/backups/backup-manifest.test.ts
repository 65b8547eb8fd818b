import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BackupManifest, BackupRefusedError, readManifest } from './backup-manifest.ts';

const sha = 'a'.repeat(64);
const valid: BackupManifest = {
  format: 'agentry-backup',
  format_version: 1,
  agentry_version: '0.1.0',
  created_at: '2026-11-30T02:00:00.000Z',
  database: {
    kind: 'pglite',
    file: 'database.tar.gz',
    bytes: 10,
    sha256: sha,
    migrations: { applied: 17, latest_created_at: 1 },
  },
  counts: { organizations: 1, agents: 2, agent_versions: 3, sessions: 1, messages: 2, files: 1 },
  blobs: {
    count: 1,
    bytes: 5,
    entries: [{ key: `0190a8c2-0000-7000-8000-000000000000/${sha}`, size: 5, content_type: 'text/plain' }],
    missing: [],
  },
  secrets: { files: [{ name: 'secret-key', sha256: sha }], secret_key_fingerprint: 'f'.repeat(32) },
};

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'agentry-manifest-'));
});
afterEach(() => rm(folder, { recursive: true, force: true }));

const withManifest = async (content: unknown) => {
  await writeFile(
    join(folder, 'manifest.json'),
    typeof content === 'string' ? content : JSON.stringify(content),
  );
  return readManifest(folder);
};

describe('a backup manifest', () => {
  it('is read back as written', async () => {
    expect(await withManifest(valid)).toEqual(valid);
  });

  it('is refused when missing, truncated, of another format, or naming files outside the backup', async () => {
    await expect(readManifest(folder)).rejects.toThrow(/not a readable backup manifest \(ENOENT\)/);
    await expect(withManifest(JSON.stringify(valid).slice(0, 40))).rejects.toThrow(BackupRefusedError);
    await expect(withManifest({ ...valid, format_version: 2 })).rejects.toThrow(/format_version/);
    const escaping = structuredClone(valid);
    (escaping.blobs.entries[0] as { key: string }).key = `../../${sha}`;
    await expect(withManifest(escaping)).rejects.toThrow(/blobs\.entries\.0\.key/);
    const strangeSecret = structuredClone(valid);
    (strangeSecret.secrets.files[0] as { name: string }).name = '../etc/shadow';
    await expect(withManifest(strangeSecret)).rejects.toThrow(/secrets\.files\.0\.name/);
  });
});

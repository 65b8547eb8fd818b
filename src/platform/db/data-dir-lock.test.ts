import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError, lockDataDirectory } from './data-dir-lock.ts';

let directory: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'agentry-lock-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

const lockFile = () => join(directory, 'agentry.lock');
const readLock = () => JSON.parse(readFileSync(lockFile(), 'utf8'));

/** Another process's pid: running until the test ends, or already gone. */
async function otherProcess(running: boolean): Promise<number> {
  const child = spawn(process.execPath, ['-e', running ? 'setInterval(() => {}, 1000)' : '']);
  children.push(child);
  if (!running) await once(child, 'exit');
  return child.pid as number;
}

const writeLockOf = (pid: number, port: number | null) =>
  writeFileSync(
    lockFile(),
    JSON.stringify({ pid, hostname: 'elsewhere', port, started_at: '2026-01-01T00:00:00.000Z' }),
  );

describe('data directory lock', () => {
  it('names this process until released, with its port once recorded', async () => {
    const lock = await lockDataDirectory(directory);
    expect(readLock()).toMatchObject({ pid: process.pid, port: null });
    lock.recordPort(8123);
    expect(readLock()).toMatchObject({ pid: process.pid, port: 8123 });
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('refuses a directory whose lock names a running process', async () => {
    const pid = await otherProcess(true);
    writeLockOf(pid, 8000);
    const refused = await lockDataDirectory(directory).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirectoryInUseError);
    expect((refused as Error).message).toContain(`pid ${pid}`);
    expect((refused as Error).message).toContain('port 8000');
    // The holder's lock is left as it was.
    expect(readLock()).toMatchObject({ pid, port: 8000 });
  });

  it('takes over a lock whose process is gone, and one left unreadable', async () => {
    writeLockOf(await otherProcess(false), 8000);
    const first = await lockDataDirectory(directory);
    expect(readLock()).toMatchObject({ pid: process.pid, port: null });
    first.release();

    writeFileSync(lockFile(), '');
    const second = await lockDataDirectory(directory);
    expect(readLock()).toMatchObject({ pid: process.pid });
    second.release();
  });

  it('releases only its own lock', async () => {
    const lock = await lockDataDirectory(directory);
    const pid = await otherProcess(true);
    // Someone removed the lock by hand and another process took the directory.
    writeLockOf(pid, 9000);
    lock.release();
    expect(readLock()).toMatchObject({ pid, port: 9000 });
  });
});

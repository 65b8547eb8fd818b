import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** What the lock file of a data directory says about the process holding it. */
export interface DataDirectoryHolder {
  pid: number;
  hostname: string;
  /** Null until the holder listens, and for processes that never do (`agentry migrate`). */
  port: number | null;
  started_at: string;
}

/** Another live process holds the data directory: the embedded database admits one at a time. */
export class DataDirectoryInUseError extends Error {
  readonly directory: string;
  readonly holder: DataDirectoryHolder;

  constructor(directory: string, holder: DataDirectoryHolder) {
    const where = holder.port === null ? 'not listening' : `port ${holder.port}`;
    super(
      `The data directory ${directory} is in use by another Agentry process (pid ${holder.pid} on ` +
        `${holder.hostname}, ${where}, started ${holder.started_at}). The embedded database can be opened ` +
        'by one process at a time: stop that process first, or set DATABASE_URL to run several ' +
        'processes on PostgreSQL.',
    );
    this.name = 'DataDirectoryInUseError';
    this.directory = directory;
    this.holder = holder;
  }
}

export interface DataDirectoryLock {
  /** Adds the port the process listens on to the lock file, for the message others get. */
  recordPort(port: number): void;
  /** Removes the lock file; also done when the process exits. */
  release(): void;
}

const LOCK_FILE = 'agentry.lock';
/** Held for an instant while a stale lock is removed, so that only one process takes it over. */
const TAKEOVER_FILE = 'agentry.lock.takeover';
/** How long a start waits for another process's takeover of a stale lock before giving up. */
const TAKEOVER_ATTEMPTS = 100;
const TAKEOVER_PAUSE_MS = 50;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** Creates `target` with the content of `draft`, atomically and only if it does not exist yet. */
function linkIfAbsent(draft: string, target: string): boolean {
  try {
    linkSync(draft, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function removeIfUnchanged(path: string, content: string) {
  if (readIfPresent(path) !== content) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

/** The holder a lock file names, or null when it cannot be read (then the lock counts as stale). */
function holderOf(content: string): DataDirectoryHolder | null {
  try {
    const holder = JSON.parse(content) as DataDirectoryHolder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Whether the process a lock names still runs on this machine. A lock naming this very process's
 * pid was left by an earlier process that had the same pid (a container restarts at the same pid).
 */
function isRunning(holder: DataDirectoryHolder | null): holder is DataDirectoryHolder {
  if (!holder || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Removes a stale lock (content `stale`) under the takeover file: two processes finding the same
 * stale lock must not both remove it, or the second would remove the lock the first just took.
 * Returns false when another process is taking over (then the caller waits and looks again).
 */
function removeStaleLock(lockPath: string, takeoverPath: string, stale: string, draft: string): boolean {
  if (!linkIfAbsent(draft, takeoverPath)) {
    // The takeover file outlives its process only if that process died in the middle.
    const takeover = readIfPresent(takeoverPath);
    if (takeover !== undefined && !isRunning(holderOf(takeover))) removeIfUnchanged(takeoverPath, takeover);
    return false;
  }
  try {
    removeIfUnchanged(lockPath, stale);
    return true;
  } finally {
    unlinkSync(takeoverPath);
  }
}

/**
 * Takes the lock of a data directory whose embedded database this process is about to open: a
 * lock file, created atomically, naming this process (pid, start time, later its port). A lock
 * whose process no longer runs is taken over; one whose process runs is refused with
 * `DataDirectoryInUseError`. The lock is released when the process exits, however it exits but
 * by SIGKILL (then the next start finds it stale).
 */
export async function lockDataDirectory(directory: string): Promise<DataDirectoryLock> {
  mkdirSync(directory, { recursive: true });
  const lockPath = join(directory, LOCK_FILE);
  const takeoverPath = join(directory, TAKEOVER_FILE);
  const draft = `${lockPath}.${process.pid}`;
  const holder: DataDirectoryHolder = {
    pid: process.pid,
    hostname: hostname(),
    port: null,
    started_at: new Date().toISOString(),
  };
  let content = JSON.stringify(holder);
  writeFileSync(draft, content);
  try {
    let attempts = 0;
    while (!linkIfAbsent(draft, lockPath)) {
      const current = readIfPresent(lockPath);
      if (current === undefined) continue;
      const currentHolder = holderOf(current);
      if (isRunning(currentHolder)) throw new DataDirectoryInUseError(directory, currentHolder);
      if (++attempts > TAKEOVER_ATTEMPTS) {
        throw new Error(
          `Could not take over the stale lock ${lockPath}; remove it if no Agentry process runs`,
        );
      }
      if (!removeStaleLock(lockPath, takeoverPath, current, draft)) await delay(TAKEOVER_PAUSE_MS);
    }
  } finally {
    unlinkSync(draft);
  }

  const release = () => {
    process.removeListener('exit', release);
    removeIfUnchanged(lockPath, content);
  };
  process.once('exit', release);
  return {
    recordPort(port) {
      const updated = JSON.stringify({ ...holder, port });
      writeFileSync(draft, updated);
      // A rename replaces the file at once: a reader sees the old content or the new, never half.
      renameSync(draft, lockPath);
      content = updated;
    },
    release,
  };
}

import { isTransactionConflict } from './errors.ts';

/** Writes a batch of entries in one commit and returns one result per entry, in order. */
export type BatchWrite<TEntry, TResult> = (entries: readonly TEntry[]) => Promise<TResult[]>;

interface Waiting<TEntry, TResult> {
  entry: TEntry;
  resolve(result: TResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit: entries submitted while a batch is being written wait and go out together in the
 * next batch, so turns ending together share one statement and one commit, and each caller still
 * waits for its own entry's commit. An idle writer writes a lone entry at once (no added latency).
 * When a batch fails, its entries are written one by one, so that one bad entry fails alone; a
 * batch the database aborted for a conflict with another transaction (a deadlock) is written
 * again first, once, since nothing of it was stored. `maxBatch` bounds a batch (and so its
 * statement's size).
 */
export function createGroupCommit<TEntry, TResult>(options: {
  write: BatchWrite<TEntry, TResult>;
  maxBatch: number;
}) {
  const waiting: Waiting<TEntry, TResult>[] = [];
  let writing: Promise<void> | null = null;

  async function settle(batch: Waiting<TEntry, TResult>[], conflictRetried = false) {
    try {
      const results = await options.write(batch.map((item) => item.entry));
      for (const [index, item] of batch.entries()) item.resolve(results[index] as TResult);
    } catch (error) {
      if (!conflictRetried && isTransactionConflict(error)) {
        await settle(batch, true);
        return;
      }
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const item of batch) await settle([item], true);
    }
  }

  async function drain() {
    while (waiting.length > 0) await settle(waiting.splice(0, options.maxBatch));
    writing = null;
  }

  return {
    /** Resolves once the entry's batch committed, with its result. */
    submit(entry: TEntry): Promise<TResult> {
      return new Promise<TResult>((resolve, reject) => {
        waiting.push({ entry, resolve, reject });
        writing ??= drain();
      });
    },
    /** Resolves once everything submitted so far is written. */
    async flushed(): Promise<void> {
      await writing;
    },
  };
}

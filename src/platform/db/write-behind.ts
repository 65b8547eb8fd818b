/**
 * Writes entries off the caller's critical path: each entry becomes due `delayMs` after it was
 * added and is then written in a batch with the others due. An entry withdrawn before it is due
 * is never written, which is the point: work that finishes quickly writes one record, not two.
 * A failed write is reported to `onError`; its entries are not retried (their owners write
 * complete records when they finish).
 */
export function createWriteBehind<TEntry>(options: {
  delayMs: number;
  write(entries: TEntry[]): Promise<void>;
  onError(error: unknown): void;
}) {
  // Insertion order is due order: every entry waits the same delay.
  const pending = new Map<TEntry, number>();
  let timer: NodeJS.Timeout | undefined;
  const writes = new Set<Promise<void>>();

  function schedule() {
    if (timer || pending.size === 0) return;
    const [firstDue] = pending.values();
    timer = setTimeout(writeDue, Math.max(0, (firstDue as number) - performance.now()));
    timer.unref();
  }

  function writeDue() {
    timer = undefined;
    const now = performance.now();
    const due: TEntry[] = [];
    for (const [entry, dueAt] of pending) {
      if (dueAt > now) break;
      due.push(entry);
      pending.delete(entry);
    }
    if (due.length > 0) {
      const write = options
        .write(due)
        .catch(options.onError)
        .finally(() => writes.delete(write));
      writes.add(write);
    }
    schedule();
  }

  return {
    add(entry: TEntry) {
      pending.set(entry, performance.now() + options.delayMs);
      schedule();
    },
    /** True when the entry was still waiting (and now never will be written). */
    withdraw: (entry: TEntry): boolean => pending.delete(entry),
    /** Writes everything pending now, and waits for writes in progress. */
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      const rest = [...pending.keys()];
      pending.clear();
      if (rest.length > 0) await options.write(rest).catch(options.onError);
      await Promise.all(writes);
    },
  };
}

/** One key's count in one window (minutes since the Unix epoch, `windowAt`). */
export interface WindowCount {
  key: string;
  window: number;
  count: number;
}

/**
 * Where the processes sharing a database add up their request counts: the database itself (the
 * default) or Redis. Both pass one conformance suite (rate-count-store.test.ts).
 */
export interface RateCountStore {
  /**
   * Adds each entry's `count` (0 to only read) to its key's window, atomically, and answers every
   * entry's total after the additions, in the same order. Entries name distinct key and window pairs.
   */
  add(entries: readonly WindowCount[]): Promise<number[]>;
  /** Forgets windows before `window`; they are never asked for again. */
  forgetBefore(window: number): Promise<void>;
  close(): Promise<void>;
}

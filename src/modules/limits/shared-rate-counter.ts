import type { RateCountStore, WindowCount } from './rate-count-store.ts';
import { decide, type RateDecision, WINDOW_MS, windowAt } from './sliding-window.ts';

/** A window's count as this process knows it. */
interface WindowState {
  /** The shared total at the last batch (every process's requests, this one's included). */
  known: number;
  /** This process's requests not yet sent. */
  pending: number;
  /** This process's requests in the batch under way. */
  inflight: number;
}

interface KeyState {
  windows: Map<number, WindowState>;
  touchedAt: number;
}

const ERROR_REPORT_INTERVAL_MS = 60_000;

export interface SharedRateCounterOptions {
  store: RateCountStore;
  /** How often the requests counted here are sent to the store, and the others' learnt. */
  syncIntervalMs: number;
  onError(error: unknown): void;
  now?: () => number;
}

/**
 * Rate limits shared by every process, without a write per request: each process decides on the
 * shared count it learnt at its last batch plus its own requests since, and sends its requests to
 * the store in one batch every `syncIntervalMs` (reading back the totals). So a process misses at
 * most the other processes' requests of one interval, and a limit is passed by at most the
 * requests the processes admit during one interval. A key a process has not seen yet is synced at
 * once (its first request is not held). While the store fails, decisions go on from what is known
 * and the counts are sent later.
 */
export function createSharedRateCounter(options: SharedRateCounterOptions) {
  const { store } = options;
  const clock = options.now ?? Date.now;
  const keys = new Map<string, KeyState>();
  const touched = new Set<string>();
  let syncing: Promise<void> | undefined;
  let again = false;
  let forgottenBefore = 0;
  let lastErrorReport = Number.NEGATIVE_INFINITY;

  const windowOf = (state: KeyState, window: number) => {
    let known = state.windows.get(window);
    if (!known) {
      known = { known: 0, pending: 0, inflight: 0 };
      state.windows.set(window, known);
    }
    return known;
  };
  const countOf = (state: KeyState, window: number) => {
    const known = state.windows.get(window);
    return known ? known.known + known.pending + known.inflight : 0;
  };

  /** Keys not asked for in two windows, with nothing left to send, are forgotten. */
  function forgetIdleKeys(now: number) {
    for (const [key, state] of keys) {
      if (now - state.touchedAt < 2 * WINDOW_MS || touched.has(key)) continue;
      const busy = [...state.windows.values()].some((known) => known.pending + known.inflight > 0);
      if (!busy) keys.delete(key);
    }
  }

  async function syncOnce() {
    const now = clock();
    const window = windowAt(now);
    const batch: { state: WindowState; entry: WindowCount }[] = [];
    const sent = [...touched];
    touched.clear();
    for (const key of sent) {
      const state = keys.get(key);
      if (!state) continue;
      for (const old of state.windows.keys()) if (old < window - 1) state.windows.delete(old);
      for (const current of [window - 1, window]) {
        const known = windowOf(state, current);
        batch.push({ state: known, entry: { key, window: current, count: known.pending } });
        known.inflight += known.pending;
        known.pending = 0;
      }
    }
    try {
      const totals = await store.add(batch.map((item) => item.entry));
      batch.forEach(({ state }, index) => {
        state.known = totals[index] ?? state.known + state.inflight;
        state.inflight = 0;
      });
    } catch (error) {
      for (const { state } of batch) {
        state.pending += state.inflight;
        state.inflight = 0;
      }
      for (const key of sent) touched.add(key);
      throw error;
    }
    if (window - 1 > forgottenBefore) {
      forgottenBefore = window - 1;
      forgetIdleKeys(now);
      await store.forgetBefore(forgottenBefore);
    }
  }

  function sync(): Promise<void> {
    if (syncing) {
      again = true;
      return syncing;
    }
    syncing = (async () => {
      do {
        again = false;
        try {
          await syncOnce();
        } catch (error) {
          // Reported once a minute while the store stays unreachable; the next tick retries.
          if (clock() - lastErrorReport >= ERROR_REPORT_INTERVAL_MS) {
            lastErrorReport = clock();
            options.onError(error);
          }
          return;
        }
      } while (again);
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  const timer = setInterval(() => {
    if (touched.size > 0) void sync();
  }, options.syncIntervalMs);
  timer.unref();

  return {
    /** Counts a request against `key` when it fits within `limit` per minute; says whether it did. */
    take(key: string, limit: number): RateDecision {
      const now = clock();
      const window = windowAt(now);
      let state = keys.get(key);
      const unseen = state === undefined;
      if (!state) {
        state = { windows: new Map(), touchedAt: now };
        keys.set(key, state);
      }
      state.touchedAt = now;
      touched.add(key);
      const decision = decide(now, limit, countOf(state, window - 1), countOf(state, window));
      if (decision.allowed) windowOf(state, window).pending += 1;
      if (unseen) void sync();
      return decision;
    },
    /** Sends what is counted now (tests, shutdown). */
    flush: () => sync(),
    async close() {
      clearInterval(timer);
      await sync();
      await store.close();
    },
  };
}

export type SharedRateCounter = ReturnType<typeof createSharedRateCounter>;

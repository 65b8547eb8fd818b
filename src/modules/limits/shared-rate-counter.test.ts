import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { createDatabaseRateCountStore } from './database-rate-count-store.ts';
import type { RateCountStore } from './rate-count-store.ts';
import { createSharedRateCounter, type SharedRateCounter } from './shared-rate-counter.ts';
import { WINDOW_MS } from './sliding-window.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

/** Far from a window boundary unless a test moves it. */
const start = 29_000_000 * WINDOW_MS + 10_000;

/** A process's counter on the test database, with its own clock and a sync interval no test waits for. */
function counterOf(
  clock: { now: number },
  store: RateCountStore = createDatabaseRateCountStore(database.db),
) {
  const errors: unknown[] = [];
  const counter = createSharedRateCounter({
    store,
    syncIntervalMs: 60_000,
    now: () => clock.now,
    onError: (error) => errors.push(error),
  });
  return { counter, errors };
}

const takeMany = (counter: SharedRateCounter, key: string, limit: number, times: number) =>
  Array.from({ length: times }, () => counter.take(key, limit).allowed).filter(Boolean).length;

describe('the shared rate counter', () => {
  it('admits exactly the limit in one process, without waiting for the store', async () => {
    const { counter } = counterOf({ now: start });
    const key = `organization:${randomUUID()}:reads`;
    expect(takeMany(counter, key, 60, 100)).toBe(60);
    await counter.close();
  });

  it('shares the counts of two processes through the store', async () => {
    const clock = { now: start };
    const [one, two] = [counterOf(clock).counter, counterOf(clock).counter];
    const key = `organization:${randomUUID()}:writes`;
    expect(takeMany(one, key, 10, 10)).toBe(10);
    await one.flush();
    // The second process has not seen the key: its first request is admitted and the key synced.
    expect(two.take(key, 10).allowed).toBe(true);
    await two.flush();
    expect(two.take(key, 10)).toMatchObject({ allowed: false, remaining: 0 });
    await one.flush();
    expect(one.take(key, 10).allowed).toBe(false);
    await Promise.all([one.close(), two.close()]);
  });

  it('lets each process decide alone between two syncs, and every one refuses after the next', async () => {
    const clock = { now: start };
    const [one, two] = [counterOf(clock).counter, counterOf(clock).counter];
    const key = `organization:${randomUUID()}:execution`;
    one.take(key, 20);
    two.take(key, 20);
    await one.flush();
    await two.flush();
    await one.flush();
    // Both know of 2 requests: each admits 15 more on its own before they sync again. The bound
    // on the overshoot is what the processes admit in one sync interval (docs/limits.md).
    expect(takeMany(one, key, 20, 15) + takeMany(two, key, 20, 15)).toBe(30);
    await one.flush();
    await two.flush();
    expect(two.take(key, 20).allowed).toBe(false);
    // A process refreshes a key's count at the sync after a request for it.
    one.take(key, 20);
    await one.flush();
    expect(one.take(key, 20).allowed).toBe(false);
    await Promise.all([one.close(), two.close()]);
  });

  it('slides: the previous minute weighs less as the current one goes on', async () => {
    const clock = { now: start + WINDOW_MS - 1_000 - 10_000 };
    const { counter } = counterOf(clock);
    const key = `organization:${randomUUID()}:reads`;
    expect(takeMany(counter, key, 60, 60)).toBe(60);
    clock.now = start - 10_000 + WINDOW_MS; // the next window begins: the last one still weighs 60
    expect(counter.take(key, 60).allowed).toBe(false);
    clock.now += WINDOW_MS / 2; // half of it is past: it weighs 30
    expect(takeMany(counter, key, 60, 60)).toBe(30);
    await counter.close();
  });

  it('keeps deciding while the store fails, and sends the counts once it answers again', async () => {
    const store = createDatabaseRateCountStore(database.db);
    let failing = true;
    const flaky: RateCountStore = {
      add: (entries) => (failing ? Promise.reject(new Error('store unreachable')) : store.add(entries)),
      forgetBefore: (window) => store.forgetBefore(window),
      close: () => store.close(),
    };
    const clock = { now: start };
    const { counter, errors } = counterOf(clock, flaky);
    const key = `organization:${randomUUID()}:uploads`;
    expect(takeMany(counter, key, 5, 3)).toBe(3);
    await counter.flush();
    expect(errors).toHaveLength(1);
    expect(takeMany(counter, key, 5, 5)).toBe(2);
    failing = false;
    await counter.flush();
    const other = counterOf(clock).counter;
    other.take(key, 100);
    await other.flush();
    // The 5 requests of the first process and the one just taken: the 7th fits, the 8th does not.
    expect(other.take(key, 7).allowed).toBe(true);
    expect(other.take(key, 7).allowed).toBe(false);
    await Promise.all([counter.close(), other.close()]);
  });
});

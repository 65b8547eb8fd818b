import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { createDatabaseRateCountStore } from './database-rate-count-store.ts';
import type { RateCountStore } from './rate-count-store.ts';
import { createRedisRateCountStore } from './redis-rate-count-store.ts';

/** The local Redis of the development machines and CI (redis://127.0.0.1:6379 unless set). */
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

/**
 * One conformance suite for every store of rate-limit counts: `twoProcesses` gives two stores on
 * the same shared data, as two Agentry processes would hold.
 */
const adapters: {
  name: string;
  twoProcesses(): { stores: [RateCountStore, RateCountStore]; prefix: string };
}[] = [
  {
    name: 'database',
    twoProcesses: () => ({
      stores: [createDatabaseRateCountStore(database.db), createDatabaseRateCountStore(database.db)],
      prefix: '',
    }),
  },
  {
    name: 'redis',
    twoProcesses: () => {
      const keyPrefix = `agentry-test:${randomUUID()}:`;
      return {
        stores: [
          createRedisRateCountStore(redisUrl, { keyPrefix }),
          createRedisRateCountStore(redisUrl, { keyPrefix }),
        ],
        prefix: keyPrefix,
      };
    },
  },
];

for (const adapter of adapters) {
  describe(`the ${adapter.name} rate count store`, () => {
    let first: RateCountStore;
    let second: RateCountStore;
    beforeAll(() => {
      [first, second] = adapter.twoProcesses().stores;
    });
    afterAll(async () => {
      await first.close();
      await second.close();
    });
    const key = () => `organization:${randomUUID()}:reads`;

    it('adds counts and answers the totals after them, in order; a count of 0 only reads', async () => {
      const [a, b] = [key(), key()];
      expect(
        await first.add([
          { key: a, window: 100, count: 3 },
          { key: b, window: 100, count: 1 },
        ]),
      ).toEqual([3, 1]);
      expect(
        await first.add([
          { key: b, window: 100, count: 0 },
          { key: a, window: 100, count: 2 },
        ]),
      ).toEqual([1, 5]);
      expect(await first.add([{ key: a, window: 100, count: 0 }])).toEqual([5]);
    });

    it('reads 0 for a key or window never counted, and keeps windows and keys apart', async () => {
      const [a, b] = [key(), key()];
      await first.add([{ key: a, window: 7, count: 4 }]);
      expect(
        await first.add([
          { key: a, window: 6, count: 0 },
          { key: a, window: 8, count: 0 },
          { key: b, window: 7, count: 0 },
          { key: a, window: 7, count: 0 },
        ]),
      ).toEqual([0, 0, 0, 4]);
      expect(await first.add([])).toEqual([]);
    });

    it('shares the counts of two processes, and loses none of concurrent batches', async () => {
      const [a, b] = [key(), key()];
      await first.add([{ key: a, window: 1, count: 2 }]);
      expect(await second.add([{ key: a, window: 1, count: 3 }])).toEqual([5]);
      // Batches naming the same keys in opposite orders, at once, from both processes.
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? first : second).add(
            index % 2 === 0
              ? [
                  { key: a, window: 1, count: 1 },
                  { key: b, window: 1, count: 2 },
                ]
              : [
                  { key: b, window: 1, count: 2 },
                  { key: a, window: 1, count: 1 },
                ],
          ),
        ),
      );
      expect(
        await first.add([
          { key: a, window: 1, count: 0 },
          { key: b, window: 1, count: 0 },
        ]),
      ).toEqual([25, 40]);
    });
  });
}

describe('forgetting old windows', () => {
  it('deletes the database rows of windows before the given one', async () => {
    const store = createDatabaseRateCountStore(database.db);
    const a = `organization:${randomUUID()}:writes`;
    await store.add([
      { key: a, window: 50, count: 1 },
      { key: a, window: 51, count: 1 },
      { key: a, window: 52, count: 1 },
    ]);
    await store.forgetBefore(51);
    const rows = rowsOf<{ window_minute: string | number }>(
      await database.db.execute(
        sql`select window_minute from rate_limit_counters where key = ${a} order by 1`,
      ),
    );
    expect(rows.map((row) => Number(row.window_minute))).toEqual([51, 52]);
  });

  it('lets Redis expire every count it adds', async () => {
    const redis = adapters.find((adapter) => adapter.name === 'redis');
    const { stores, prefix } = (redis as (typeof adapters)[number]).twoProcesses();
    const a = `organization:${randomUUID()}:writes`;
    await stores[0].add([{ key: a, window: 9, count: 1 }]);
    const client = new Redis(redisUrl);
    try {
      const ttl = await client.pttl(`${prefix}${a}:9`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3 * 60_000);
    } finally {
      client.disconnect();
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

import { Redis } from 'ioredis';
import type { RateCountStore, WindowCount } from './rate-count-store.ts';
import { WINDOW_MS } from './sliding-window.ts';

/** A window is asked for while it is the current or the previous one; a third keeps clocks' skew. */
const KEY_TTL_MS = 3 * WINDOW_MS;
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The counts in Redis (REDIS_URL), for deployments that have one: one pipeline per batch, each
 * count a key of its own that expires by itself. While Redis is unreachable a batch fails after
 * `COMMAND_TIMEOUT_MS`: the limiter keeps its counts and adds them at a later batch.
 */
export function createRedisRateCountStore(url: string, options: { keyPrefix?: string } = {}): RateCountStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
  // Errors surface on the commands; the client reconnects by itself.
  redis.on('error', () => {});
  const prefix = options.keyPrefix ?? 'agentry:rate:';
  const keyOf = (entry: WindowCount) => `${prefix}${entry.key}:${entry.window}`;

  return {
    async add(entries: readonly WindowCount[]) {
      if (entries.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const entry of entries) {
        if (entry.count > 0) pipeline.incrby(keyOf(entry), entry.count).pexpire(keyOf(entry), KEY_TTL_MS);
        else pipeline.get(keyOf(entry));
      }
      const results = (await pipeline.exec()) ?? [];
      const totals: number[] = [];
      let position = 0;
      for (const entry of entries) {
        const [error, value] = results[position] ?? [new Error('Redis answered too few results')];
        if (error) throw error;
        totals.push(Number(value ?? 0));
        position += entry.count > 0 ? 2 : 1;
      }
      return totals;
    },
    // Keys expire by themselves.
    forgetBefore: async () => {},
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

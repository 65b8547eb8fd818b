import { lt, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../../platform/db/database.ts';
import { jsonRows } from '../../platform/db/statement-part.ts';
import { rateLimitCounters } from './limits-tables.ts';
import type { RateCountStore, WindowCount } from './rate-count-store.ts';

/**
 * The counts in the database every process already shares: one statement per batch adds the
 * increments (upserts in key order, so that concurrent batches cannot deadlock) and reads the
 * totals back.
 */
export function createDatabaseRateCountStore(db: Database): RateCountStore {
  return {
    async add(entries: readonly WindowCount[]) {
      if (entries.length === 0) return [];
      const rows = entries.map((entry, index) => ({
        i: index,
        key: entry.key,
        window_minute: entry.window,
        count: entry.count,
      }));
      const result = await db.execute(sql`
        with input as (
          select * from jsonb_to_recordset(${jsonRows(rows)}::jsonb)
            as t(i int, key text, window_minute bigint, count int)
        ), added as (
          insert into rate_limit_counters (key, window_minute, count)
          select key, window_minute, sum(count)::int from input where count > 0
          group by key, window_minute order by key, window_minute
          on conflict (key, window_minute)
            do update set count = rate_limit_counters.count + excluded.count
          returning key, window_minute, count
        )
        select input.i, coalesce(added.count, stored.count, 0) as count
        from input
        left join added on added.key = input.key and added.window_minute = input.window_minute
        left join rate_limit_counters stored
          on stored.key = input.key and stored.window_minute = input.window_minute
        order by input.i`);
      return rowsOf<{ count: number | string }>(result).map((row) => Number(row.count));
    },
    async forgetBefore(window: number) {
      await db.delete(rateLimitCounters).where(lt(rateLimitCounters.windowMinute, window));
    },
    close: async () => {},
  };
}

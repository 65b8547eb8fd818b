import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/database.ts';
import type { QueueBacklog } from '../observability/metrics.ts';

/** pg-boss's own queues (`__pgboss__send-it`): not Agentry's work. */
const PG_BOSS_INTERNAL_PREFIX = '\\_\\_pgboss\\_\\_';

/**
 * Every queue's backlog in two reads: the counts pg-boss keeps per queue (refreshed by its
 * supervision), and the oldest ready job's wait, from the jobs waiting to be taken (`created`
 * or `retry`, due now). Dead-letter queues are queues too: their depth is what needs a hand.
 */
export async function readQueueBacklog(db: Database): Promise<QueueBacklog[]> {
  const counts = rowsOf<{ name: string; ready: number; active: number; deferred: number }>(
    await db.execute(
      sql`select name, ready_count as ready, deferred_count as deferred, active_count as active
          from pgboss.queue where name not like ${`${PG_BOSS_INTERNAL_PREFIX}%`} order by name`,
    ),
  );
  const waits = rowsOf<{ name: string; age: number | string }>(
    await db.execute(
      sql`select name, extract(epoch from now() - min(start_after)) as age
          from pgboss.job where state < 'active' and start_after <= now() group by name`,
    ),
  );
  const ageOf = new Map(waits.map((row) => [row.name, Math.max(0, Number(row.age))]));
  return counts.map((row) => ({
    queue: row.name,
    ready: Number(row.ready),
    active: Number(row.active),
    deferred: Number(row.deferred),
    oldestAgeSeconds: ageOf.get(row.name) ?? 0,
  }));
}

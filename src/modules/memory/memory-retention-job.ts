import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../../platform/db/database.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';

/** The agents' default memory_retention, in days (agent-config.ts), for configurations written before it existed. */
const DEFAULT_RETENTION_DAYS = 5;
/** Memories deleted per statement: short transactions, however many expire at once. */
const BATCH = 1_000;

/** Each agent that keeps memories for a limited time, with that time (its memory_retention, > 0). */
async function retainingAgents(db: Database) {
  const result = await db.execute(sql`select id, retention_days from (
      select id, coalesce((configuration->>'memory_retention')::int, ${DEFAULT_RETENTION_DAYS}) as retention_days
      from agents
    ) as agent where retention_days > 0`);
  return rowsOf<{ id: string; retention_days: number }>(result);
}

/** Deletes up to `BATCH` of an agent's memories unused since `before`; returns how many. */
async function deleteExpiredBatch(db: Database, agentId: string, before: Date): Promise<number> {
  const result = await db.execute(sql`with expired as (
      delete from memories where id in (
        select id from memories
        where agent_id = ${agentId}
          and greatest(created_at, updated_at, last_accessed_at) < ${before.toISOString()}::timestamptz
        limit ${BATCH}
      ) returning 1
    ) select count(*)::int as deleted from expired`);
  return rowsOf<{ deleted: number }>(result)[0]?.deleted ?? 0;
}

/**
 * Deletes expired memories, daily: a memory is kept `memory_retention` days after its last use
 * (stored, restated, edited or recalled), 0 keeping it until it is deleted; agents deleted since
 * keep their settings. Each agent's memories go in batches, so the job never holds a long
 * transaction; a retry continues where it stopped. Then the table's statistics are renewed.
 */
export function memoryRetentionJob(db: Database): JobDefinition {
  return {
    queue: {
      name: 'maintenance-memory-retention',
      options: { retryLimit: 3, retryBackoff: true, expireInSeconds: 3_600 },
      deadLetter: true,
    },
    schedule: '43 3 * * *',
    handle: async ({ signal }) => {
      const now = Date.now();
      for (const agent of await retainingAgents(db)) {
        const before = new Date(now - agent.retention_days * 86_400_000);
        while ((await deleteExpiredBatch(db, agent.id, before)) === BATCH) signal.throwIfAborted();
      }
      // Recall skips the words its statistics call frequent (frequent-lexemes.ts); PostgreSQL's
      // autovacuum renews them, PGlite has none.
      await db.execute(sql`analyze memories`);
    },
  };
}

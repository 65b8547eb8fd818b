import { sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { createWriteBehind } from '../../platform/db/write-behind.ts';

/** How long recalls wait to be written together: turns of the same second share one update. */
const RECALL_WRITE_DELAY_MS = 500;

/** Memories a turn was given, in its organization, at a moment. */
export interface Recall {
  organizationId: string;
  memoryIds: readonly string[];
  at: Date;
}

/**
 * Records recalls off the turn's critical path: each recalled memory is reinforced and its access
 * counted (`reinforcement + 1`, `access_count + 1`, `last_accessed_at`), in one update per batch.
 * A memory deleted meanwhile is skipped. A failed write is reported and not retried: counting a
 * recall is not worth holding a turn for.
 */
export function createRecallRecorder(db: Database, onError: (error: unknown) => void) {
  const writes = createWriteBehind<Recall>({
    delayMs: RECALL_WRITE_DELAY_MS,
    onError,
    async write(recalls) {
      const byMemory = new Map<string, { organizationId: string; times: number; at: Date }>();
      for (const recall of recalls) {
        for (const memoryId of recall.memoryIds) {
          const known = byMemory.get(memoryId);
          if (!known)
            byMemory.set(memoryId, { organizationId: recall.organizationId, times: 1, at: recall.at });
          else {
            known.times += 1;
            if (recall.at > known.at) known.at = recall.at;
          }
        }
      }
      // In id order: two processes updating the same memories lock them in the same order.
      const entries = [...byMemory.entries()].sort(([first], [second]) => (first < second ? -1 : 1));
      await db.execute(sql`update memories
        set reinforcement = memories.reinforcement + recalled.times,
          access_count = memories.access_count + recalled.times,
          last_accessed_at = greatest(memories.last_accessed_at, recalled.at)
        from unnest(
          ${sql.param(entries.map(([id]) => id))}::uuid[],
          ${sql.param(entries.map(([, entry]) => entry.organizationId))}::uuid[],
          ${sql.param(entries.map(([, entry]) => entry.times))}::int[],
          ${sql.param(entries.map(([, entry]) => entry.at.toISOString()))}::timestamptz[]
        ) as recalled(id, organization_id, times, at)
        where memories.id = recalled.id and memories.organization_id = recalled.organization_id`);
    },
  });
  return {
    record(recall: Recall) {
      if (recall.memoryIds.length > 0) writes.add(recall);
    },
    /** Writes what is waiting (graceful shutdown). */
    flush: () => writes.flush(),
  };
}

export type RecallRecorder = ReturnType<typeof createRecallRecorder>;

import { and, eq, sql } from 'drizzle-orm';
import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import type { EventPublisher, EventWatcher } from '../../platform/events/event-bus.ts';
import { memories } from './memory-tables.ts';

/** Published in the transaction that stores new memories of an agent (data: agent_id, memory_ids). */
export const MEMORIES_STORED = 'memories-stored';
/** Agents whose "has no memories" is remembered per process. */
const CACHED_AGENTS = 10_000;

/** Tells every process (and the organization's event streams) that an agent has new memories. */
export type AnnounceStoredMemories = (
  tx: Executor,
  organizationId: string,
  agentId: string,
  memoryIds: readonly string[],
) => Promise<void>;

/**
 * Whether an agent has any memory at all. Most agents have none, and their turns would pay a
 * recall query for nothing: that is remembered per process and forgotten when the agent's memories
 * are stored, through the `memories-stored` event (delivered to every process when the storing
 * transaction commits). A memory deleted meanwhile only costs a recall that finds nothing.
 */
export function createMemoryPresence(db: Database, events: Pick<EventPublisher, 'publish'>) {
  const present = createInvalidatingCache<boolean>(CACHED_AGENTS);

  async function load(organizationId: string, agentId: string) {
    const [row] = await db
      .select({ present: sql<boolean>`true` })
      .from(memories)
      .where(and(eq(memories.organizationId, organizationId), eq(memories.agentId, agentId)))
      .limit(1);
    return row !== undefined;
  }

  const announce: AnnounceStoredMemories = async (tx, organizationId, agentId, memoryIds) => {
    if (memoryIds.length === 0) return;
    await events.publish(
      {
        type: MEMORIES_STORED,
        organization_id: organizationId,
        data: { agent_id: agentId, memory_ids: memoryIds },
      },
      { tx },
    );
  };

  const watcher: EventWatcher = {
    event(event) {
      if (event.type === MEMORIES_STORED && typeof event.data.agent_id === 'string')
        present.invalidate(event.organization_id, event.data.agent_id);
    },
    gap: () => present.clear(),
  };

  return {
    has: (organizationId: string, agentId: string) =>
      present.get(organizationId, agentId, () => load(organizationId, agentId)),
    announce,
    watcher,
  };
}

export type MemoryPresence = ReturnType<typeof createMemoryPresence>;

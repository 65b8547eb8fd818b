import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { contentKeyOf, type MemoryPlace, namespaceOf, placeColumns } from './memory-namespaces.ts';
import { type MemoryRow, memories } from './memory-tables.ts';

/** A statement to remember, wherever it comes from (a turn's extraction, the API). */
export interface MemoryInput {
  organizationId: string;
  agentId: string;
  place: MemoryPlace;
  kind: string;
  content: string;
  metadata?: Record<string, unknown>;
  sourceRunId?: string | null;
  sourceMessageId?: string | null;
  createdByUserId?: string | null;
  createdByApiKeyId?: string | null;
}

/** What storing did: a new row, or a restatement that reinforced the row already there. */
export interface StoredMemory {
  row: MemoryRow;
  reinforced: boolean;
}

/**
 * Stores statements, one statement for all of them: a statement already in its namespace (same
 * content key) is reinforced (its count goes up, its kind and metadata are refreshed) rather than
 * duplicated, so concurrent writers of the same fact end with one row. Returned in input order.
 */
export async function storeMemories(db: Executor, inputs: readonly MemoryInput[]): Promise<StoredMemory[]> {
  if (inputs.length === 0) return [];
  // One row per key: a batch that states a fact twice reinforces it once per statement.
  const byKey = new Map<string, { input: MemoryInput; key: string; namespace: string; times: number }>();
  for (const input of inputs) {
    const namespace = namespaceOf(input.organizationId, input.agentId, input.place);
    const key = contentKeyOf(input.content);
    const id = `${input.agentId}\u0000${namespace}\u0000${key}`;
    const known = byKey.get(id);
    if (known) known.times += 1;
    else byKey.set(id, { input, key, namespace, times: 1 });
  }
  const now = new Date();
  const rows = [...byKey.values()].map(({ input, key, namespace, times }) => ({
    id: uuidv7(),
    organizationId: input.organizationId,
    agentId: input.agentId,
    namespace,
    ...placeColumns(input.place),
    kind: input.kind,
    content: input.content.trim(),
    contentKey: key,
    metadata: input.metadata ?? {},
    sourceRunId: input.sourceRunId ?? null,
    sourceMessageId: input.sourceMessageId ?? null,
    reinforcement: times,
    createdByUserId: input.createdByUserId ?? null,
    createdByApiKeyId: input.createdByApiKeyId ?? null,
    createdAt: now,
    updatedAt: now,
  }));
  const stored = await db
    .insert(memories)
    .values(rows)
    .onConflictDoUpdate({
      target: [memories.agentId, memories.namespace, memories.contentKey],
      set: {
        reinforcement: sql`${memories.reinforcement} + excluded.reinforcement`,
        kind: sql`excluded.kind`,
        metadata: sql`${memories.metadata} || excluded.metadata`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
    .returning();
  const storedByKey = new Map(
    stored.map((row) => [`${row.agentId}\u0000${row.namespace}\u0000${row.contentKey}`, row]),
  );
  return inputs.map((input) => {
    const namespace = namespaceOf(input.organizationId, input.agentId, input.place);
    const row = storedByKey.get(`${input.agentId}\u0000${namespace}\u0000${contentKeyOf(input.content)}`);
    if (!row) throw new Error('A stored memory did not come back from its insert');
    // A row created by this statement keeps the id made above; any other was already there.
    const created = rows.some((candidate) => candidate.id === row.id);
    return { row, reinforced: !created };
  });
}

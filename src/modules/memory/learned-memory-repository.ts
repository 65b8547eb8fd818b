import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database, Executor, Transaction } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { lockUntilCommit } from '../../platform/db/transaction-lock.ts';
import type { ExtractedMemory } from './extracted-memory.ts';
import { contentKeyOf, type MemoryPlace, namespaceOf } from './memory-namespaces.ts';
import { type MemoryInput, type StoredMemory, storeMemories } from './memory-store.ts';
import { memories } from './memory-tables.ts';

/**
 * The runs a memory keeps in `metadata.source_run_ids`, newest last: a redelivered job finds its
 * run there and stores nothing again. Only a memory restated in this many later runs before the
 * redelivery could forget it.
 */
export const SOURCE_RUNS_KEPT = 20;

/** Where a turn's statements were learnt: its agent, session, end user, run and user message. */
export interface LearnedExchange {
  agentId: string;
  sessionId: string;
  /** The session's end user: statements about them are also remembered in their namespace. */
  userId: string | null;
  runId: string;
  messageId: string;
  /** When the user said it: of two values of one subject, the later said wins. */
  statedAt: Date;
}

/** Whether the run's statements are already stored in its thread's namespace. */
export async function learntFromRun(
  db: Executor,
  scope: TenantScope,
  exchange: Pick<LearnedExchange, 'agentId' | 'sessionId' | 'userId' | 'runId'>,
): Promise<boolean> {
  const thread = namespaceOf(scope.organizationId, exchange.agentId, {
    scope: 'thread',
    sessionId: exchange.sessionId,
  });
  const [row] = await db
    .select({ id: memories.id })
    .from(memories)
    .where(
      and(
        inScope(memories.organizationId, scope),
        eq(memories.agentId, exchange.agentId),
        eq(memories.namespace, thread),
        sql`${memories.metadata}->'source_run_ids' @> ${JSON.stringify([exchange.runId])}::jsonb`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

const statedAtOf = (metadata: Record<string, unknown> | undefined) => {
  const at = Date.parse(String(metadata?.stated_at ?? ''));
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
};

const sourceRunsOf = (metadata: Record<string, unknown> | undefined): string[] => {
  const runs = metadata?.source_run_ids;
  return Array.isArray(runs) ? runs.filter((run): run is string => typeof run === 'string') : [];
};

/**
 * Stores a turn's statements in the thread's namespace and, for those about the user, in the
 * user's, in one transaction: a statement already there is reinforced (storeMemories), a newer
 * value of a subject deletes the older one (an older value arriving late is dropped), and every
 * stored memory records the run in `source_run_ids`. Null when the run was already stored (a
 * redelivered job): nothing is counted twice. Writers of one user's memories of an agent (of one
 * session's, without a user) take turns, so that each sees what the others stored. `onStored`
 * runs in the same transaction with what was stored (to enqueue work that must exist with it).
 */
export async function recordLearnedMemories(
  db: Database,
  scope: TenantScope,
  exchange: LearnedExchange,
  statements: readonly ExtractedMemory[],
  onStored?: (tx: Transaction, stored: StoredMemory[]) => Promise<void>,
): Promise<StoredMemory[] | null> {
  const { agentId, sessionId, userId, runId } = exchange;
  const thread: MemoryPlace = { scope: 'thread', sessionId, userId };
  const user: MemoryPlace | null = userId ? { scope: 'user', userId } : null;
  const planned = statements.flatMap((statement) =>
    (statement.aboutUser && user ? [thread, user] : [thread]).map((place) => ({
      statement,
      place,
      namespace: namespaceOf(scope.organizationId, agentId, place),
      key: contentKeyOf(statement.content),
    })),
  );
  const subjects = [...new Set(planned.flatMap(({ statement }) => statement.subject ?? []))];
  const statedAt = exchange.statedAt.getTime();

  return db.transaction(async (tx) => {
    await lockUntilCommit(tx, `memories:${namespaceOf(scope.organizationId, agentId, user ?? thread)}`);
    if (await learntFromRun(tx, scope, exchange)) return null;
    const sameKey = inArray(memories.contentKey, [...new Set(planned.map(({ key }) => key))]);
    const related = await tx
      .select({
        id: memories.id,
        namespace: memories.namespace,
        contentKey: memories.contentKey,
        metadata: memories.metadata,
      })
      .from(memories)
      .where(
        and(
          inScope(memories.organizationId, scope),
          eq(memories.agentId, agentId),
          inArray(memories.namespace, [...new Set(planned.map(({ namespace }) => namespace))]),
          subjects.length > 0
            ? or(sameKey, inArray(sql`${memories.metadata}->>'subject'`, subjects))
            : sameKey,
        ),
      );
    const inputs: MemoryInput[] = [];
    const superseded = new Set<string>();
    for (const { statement, place, namespace, key } of planned) {
      const known = related.find((row) => row.namespace === namespace && row.contentKey === key);
      const rivals =
        statement.subject === null
          ? []
          : related.filter(
              (row) =>
                row.namespace === namespace &&
                row.contentKey !== key &&
                row.metadata.subject === statement.subject,
            );
      // A later value of the subject is already stored (this job ran late): this one is out of date.
      if (rivals.some((row) => statedAtOf(row.metadata) > statedAt)) continue;
      for (const rival of rivals) superseded.add(rival.id);
      inputs.push({
        organizationId: scope.organizationId,
        agentId,
        place,
        kind: statement.kind,
        content: statement.content,
        metadata: {
          ...(statement.subject === null ? {} : { subject: statement.subject }),
          stated_at: new Date(Math.max(statedAt, statedAtOf(known?.metadata))).toISOString(),
          source_run_ids: [...sourceRunsOf(known?.metadata).slice(-(SOURCE_RUNS_KEPT - 1)), runId],
        },
        sourceRunId: runId,
        sourceMessageId: exchange.messageId,
      });
    }
    if (superseded.size > 0) {
      await tx
        .delete(memories)
        .where(and(inScope(memories.organizationId, scope), inArray(memories.id, [...superseded])));
    }
    const stored = await storeMemories(tx, inputs);
    await onStored?.(tx, stored);
    return stored;
  });
}

import { and, asc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { messages, sessions } from './conversation-tables.ts';

const liveSession = (scope: TenantScope, sessionId: string) =>
  and(inScope(sessions.organizationId, scope), eq(sessions.id, sessionId), isNull(sessions.deletedAt));

/** The summary as it stands, and the newest message it covers (null: none yet). */
export async function findSummaryState(db: Executor, scope: TenantScope, sessionId: string) {
  const [row] = await db
    .select({
      agentId: sessions.agentId,
      summary: sessions.contextSummary,
      throughMessageId: sessions.contextSummaryThroughMessageId,
    })
    .from(sessions)
    .where(liveSession(scope, sessionId));
  return row;
}

/** Live messages of the session after `throughMessageId` in chronological order (all of them when null). */
function liveMessagesAfter(scope: TenantScope, sessionId: string, throughMessageId: string | null) {
  const conditions: SQL[] = [
    inScope(messages.organizationId, scope),
    eq(messages.sessionId, sessionId),
    isNull(messages.deletedAt),
  ];
  if (throughMessageId !== null) {
    // A covered message may have been deleted since: the cursor is its place, which stays.
    conditions.push(
      sql`(${messages.createdAt}, ${messages.id}) > (select through.created_at, through.id from ${messages} as through where through.id = ${throughMessageId})`,
    );
  }
  return and(...conditions);
}

/**
 * The messages that fell out of a `window` of the latest ones since the summary's cursor, oldest
 * first, at most `limit` of them.
 */
export async function findFallenOutMessages(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  through: { messageId: string | null; window: number; limit: number },
) {
  const after = liveMessagesAfter(scope, sessionId, through.messageId);
  const [counted] = await db.select({ count: sql<number>`count(*)::int` }).from(messages).where(after);
  const fallenOut = Math.min((counted?.count ?? 0) - through.window, through.limit);
  if (fallenOut <= 0) return [];
  return db
    .select({ id: messages.id, role: messages.role, content: messages.content })
    .from(messages)
    .where(after)
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(fallenOut);
}

/**
 * Stores a summary that now covers `added` more messages, through `throughMessageId`, provided the
 * cursor is still `expectedThroughMessageId`: of two runs that summarized the same messages, one
 * writes. False when it was not written (the other run won, or the session is gone).
 */
export async function recordSummary(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  expectedThroughMessageId: string | null,
  summary: { content: string | null; throughMessageId: string; added: number },
) {
  const rows = await db
    .update(sessions)
    .set({
      contextSummary: summary.content,
      contextSummaryThroughMessageId: summary.throughMessageId,
      contextSummaryMessageCount: sql`${sessions.contextSummaryMessageCount} + ${summary.added}`,
      contextSummaryUpdatedAt: sql`now()`,
    })
    .where(
      and(
        liveSession(scope, sessionId),
        expectedThroughMessageId === null
          ? isNull(sessions.contextSummaryThroughMessageId)
          : eq(sessions.contextSummaryThroughMessageId, expectedThroughMessageId),
      ),
    )
    .returning({ id: sessions.id });
  return rows.length > 0;
}

import { and, asc, count, desc, eq, inArray, isNull, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { sessions } from './conversation-tables.ts';
import type { ListSessionsQuery } from './session-schemas.ts';

export type SessionRow = typeof sessions.$inferSelect;
export type SessionInsert = typeof sessions.$inferInsert;
export type SessionChange = Partial<Pick<SessionRow, 'title' | 'userId' | 'status' | 'metadata'>>;

const live = (organizationId: string) =>
  and(eq(sessions.organizationId, organizationId), isNull(sessions.deletedAt));

const sortColumns = {
  created_at: sessions.createdAt,
  updated_at: sessions.updatedAt,
  last_activity: sessions.lastActivity,
} as const;

/** One multi-row INSERT: the whole batch commits or none of it does. */
export async function insertSessions(db: Executor, rows: SessionInsert[]) {
  return db.insert(sessions).values(rows).returning();
}

export async function findSession(db: Executor, organizationId: string, sessionId: string) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(live(organizationId), eq(sessions.id, sessionId)));
  return row;
}

/** `findSession` prepared once per database (every chat turn opens its session): a named statement. */
export function prepareSessionLookup(db: Database) {
  const statement = db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.organizationId, sql.placeholder('organizationId')),
        eq(sessions.id, sql.placeholder('sessionId')),
        isNull(sessions.deletedAt),
      ),
    )
    .prepare('session_by_id');
  return async (organizationId: string, sessionId: string): Promise<SessionRow | undefined> =>
    (await statement.execute({ organizationId, sessionId }))[0];
}

/** The organization of a live session, to tell "another organization's" (403) from "missing" (404). */
export async function findSessionOrganization(db: Executor, sessionId: string) {
  const [row] = await db
    .select({ organizationId: sessions.organizationId })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), isNull(sessions.deletedAt)));
  return row?.organizationId;
}

export async function listSessions(
  db: Executor,
  organizationId: string,
  query: Omit<ListSessionsQuery, 'limit' | 'offset'>,
  page: { limit: number; offset: number },
) {
  const conditions: SQL[] = [live(organizationId) as SQL];
  if (query.agent_id) conditions.push(eq(sessions.agentId, query.agent_id));
  if (query.user_id) conditions.push(eq(sessions.userId, query.user_id));
  if (query.status) conditions.push(eq(sessions.status, query.status));
  const where = and(...conditions);
  const direction = query.sort_order === 'asc' ? asc : desc;
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(sessions)
      .where(where)
      .orderBy(direction(sortColumns[query.sort_by]), direction(sessions.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(sessions).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function updateSession(
  db: Executor,
  organizationId: string,
  sessionId: string,
  change: SessionChange,
) {
  const [row] = await db
    .update(sessions)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(live(organizationId), eq(sessions.id, sessionId)))
    .returning();
  return row;
}

/**
 * The UPDATE that adds `added` (negative to remove) to the message count, returning the session's
 * id; it also locks the session row until the transaction ends, so concurrent writers queue
 * instead of losing counts. For `adjustMessageCount`, or as a CTE of the messages' insert. The
 * values may be placeholders of a prepared statement (`added` then only adds messages).
 */
export function messageCountChange(
  tx: Executor,
  organizationId: string | Placeholder,
  sessionId: string | Placeholder,
  added: number | Placeholder,
) {
  const adds = typeof added !== 'number' || added > 0;
  const activity = adds ? { lastActivity: sql`greatest(${sessions.lastActivity}, now())` } : {};
  return tx
    .update(sessions)
    .set({ messageCount: sql`${sessions.messageCount} + ${added}`, ...activity })
    .where(
      and(
        eq(sessions.organizationId, organizationId),
        eq(sessions.id, sessionId),
        isNull(sessions.deletedAt),
      ),
    )
    .returning({ id: sessions.id });
}

/**
 * Adds `added` (negative to remove) to the message count in one atomic UPDATE (see
 * `messageCountChange`). Returns false when the session is not a live session of the organization.
 */
export async function adjustMessageCount(
  tx: Executor,
  organizationId: string,
  sessionId: string,
  added: number,
): Promise<boolean> {
  const rows = await messageCountChange(tx, organizationId, sessionId, added);
  return rows.length > 0;
}

/** Locks the given live sessions (any organization) until the transaction ends; returns their owners. */
export async function lockSessions(tx: Executor, sessionIds: string[]) {
  return tx
    .select({ id: sessions.id, organizationId: sessions.organizationId })
    .from(sessions)
    .where(and(inArray(sessions.id, sessionIds), isNull(sessions.deletedAt)))
    .orderBy(sessions.id)
    .for('update');
}

/** Soft-deletes live sessions of the organization; returns the ids it deleted. */
export async function softDeleteSessions(tx: Executor, organizationId: string, sessionIds: string[]) {
  const rows = await tx
    .update(sessions)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(organizationId), inArray(sessions.id, sessionIds)))
    .returning({ id: sessions.id });
  return rows.map((row) => row.id);
}

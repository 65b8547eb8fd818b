import { and, asc, count, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
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
 * Adds `added` (negative to remove) to the message count in one atomic UPDATE, which also locks
 * the session row until the transaction ends: concurrent writers queue instead of losing counts.
 * Returns false when the session is not a live session of the organization.
 */
export async function adjustMessageCount(
  tx: Executor,
  organizationId: string,
  sessionId: string,
  added: number,
): Promise<boolean> {
  const activity = added > 0 ? { lastActivity: sql`greatest(${sessions.lastActivity}, now())` } : {};
  const rows = await tx
    .update(sessions)
    .set({ messageCount: sql`${sessions.messageCount} + ${added}`, ...activity })
    .where(and(live(organizationId), eq(sessions.id, sessionId)))
    .returning({ id: sessions.id });
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

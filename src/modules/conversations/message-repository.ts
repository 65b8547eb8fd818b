import { and, asc, eq, getTableColumns, gte, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { mapColumns, preparedStatements } from '../../platform/db/prepared-statement.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { messages, sessions } from './conversation-tables.ts';
import type { MessageView } from './message-schemas.ts';
import { messageCountChange } from './session-repository.ts';

/** Every column but the search vector, which only the database reads. */
const { searchVector: _searchVector, ...messageColumns } = getTableColumns(messages);

export type MessageRow = Omit<typeof messages.$inferSelect, 'searchVector'>;
export type MessageInsert = Omit<typeof messages.$inferInsert, 'createdAt' | 'updatedAt' | 'deletedAt'>;
export type MessageChange = Partial<Pick<MessageRow, 'content' | 'metadata'>>;

/** A project-scoped caller's messages are those of its project's sessions. */
const ofSessionsInScope = (scope: TenantScope) =>
  scope.projectId
    ? sql`${messages.sessionId} in (select ${sessions.id} from ${sessions} where ${inScope(sessions.organizationId, scope, sessions.projectId)})`
    : undefined;
const live = (scope: TenantScope) =>
  and(inScope(messages.organizationId, scope), isNull(messages.deletedAt), ofSessionsInScope(scope));
const liveInSession = (scope: TenantScope, sessionId: string) =>
  and(live(scope), eq(messages.sessionId, sessionId));

/** Chronological: creation time, then the time-ordered id for messages of one transaction. */
const chronological = [asc(messages.createdAt), asc(messages.id)];

export async function insertMessages(tx: Executor, rows: MessageInsert[]): Promise<MessageRow[]> {
  return tx.insert(messages).values(rows).returning(messageColumns);
}

/** The columns a new message is written with; the others take their defaults. */
const insertedColumns = [
  'id',
  'organizationId',
  'sessionId',
  'role',
  'content',
  'metadata',
  'toolCalls',
  'parentMessageId',
] as const satisfies readonly (keyof MessageInsert)[];

/**
 * Inserts messages of one session together with the session's count change
 * (`messageCountChange`, with the title the messages offer a session without one), in one
 * prepared statement per number of messages. Returns undefined
 * when the count change found no live session of the scope: the messages were inserted all the
 * same, so the caller must roll its transaction back.
 */
export function prepareCountedInsert() {
  const statements = preparedStatements<number, Record<string, unknown>>(
    (count) => `messages_counted_insert_${count}`,
    (db, count) => {
      const counted = db
        .$with('counted')
        .as(
          messageCountChange(
            db,
            sql.placeholder('organizationId'),
            sql.placeholder('sessionId'),
            sql.placeholder('added'),
            sql.placeholder('title'),
          ),
        );
      const rows = Array.from({ length: count }, (_, index) =>
        Object.fromEntries(insertedColumns.map((column) => [column, sql.placeholder(`${column}${index}`)])),
      ) as unknown as MessageInsert[];
      return db
        .with(counted)
        .insert(messages)
        .values(rows)
        .returning({
          ...messageColumns,
          counted: sql<number>`(select count(*) from ${counted})::int`.as('counted'),
        });
    },
  );
  return async (
    tx: Executor,
    scope: TenantScope,
    sessionId: string,
    rows: Pick<MessageInsert, (typeof insertedColumns)[number]>[],
    title: string | null,
  ): Promise<MessageRow[] | undefined> => {
    const values: Record<string, unknown> = {
      organizationId: scope.organizationId,
      sessionId,
      added: rows.length,
      title,
    };
    rows.forEach((row, index) => {
      for (const column of insertedColumns) values[`${column}${index}`] = row[column];
    });
    const inserted = await statements(rows.length)(tx, values);
    if (inserted[0]?.counted !== 1) return undefined;
    return inserted.map((raw) => mapColumns(messageColumns, raw) as MessageRow);
  };
}

export async function findMessage(db: Executor, scope: TenantScope, messageId: string) {
  const [row] = await db
    .select(messageColumns)
    .from(messages)
    .where(and(live(scope), eq(messages.id, messageId)));
  return row;
}

/**
 * Unscoped: the organization of a live message, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findMessageOrganization(db: Executor, messageId: string) {
  const [row] = await db
    .select({ organizationId: messages.organizationId })
    .from(messages)
    .where(and(eq(messages.id, messageId), isNull(messages.deletedAt)));
  return row?.organizationId;
}

/** Which of `messageIds` are live messages of the session. */
export async function findMessageIdsInSession(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  messageIds: string[],
) {
  const rows = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(liveInSession(scope, sessionId), inArray(messages.id, messageIds)));
  return new Set(rows.map((row) => row.id));
}

/**
 * A page of the session's messages in chronological order. `search` is full-text (web search
 * syntax, 'simple' configuration); matches keep the chronological order rather than a rank.
 */
export async function listMessages(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  filters: { role?: MessageView['role'] | undefined; search?: string | undefined },
  page: Page,
) {
  const conditions: SQL[] = [liveInSession(scope, sessionId) as SQL];
  if (filters.role) conditions.push(eq(messages.role, filters.role));
  if (filters.search) {
    // websearch_to_tsquery never fails on user input, and the text travels as a bound parameter.
    conditions.push(sql`${messages.searchVector} @@ websearch_to_tsquery('simple', ${filters.search})`);
  }
  return listPage(db, messages, and(...conditions), chronological, page, messageColumns);
}

export async function updateMessage(
  db: Executor,
  scope: TenantScope,
  messageId: string,
  change: MessageChange & Partial<Pick<MessageRow, 'feedbackScore' | 'feedbackReason'>>,
) {
  const [row] = await db
    .update(messages)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(live(scope), eq(messages.id, messageId)))
    .returning(messageColumns);
  return row;
}

/** Soft-deletes one live message; false when it was already gone. */
export async function softDeleteMessage(tx: Executor, scope: TenantScope, messageId: string) {
  const rows = await tx
    .update(messages)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(scope), eq(messages.id, messageId)))
    .returning({ id: messages.id });
  return rows.length > 0;
}

/** Soft-deletes every live message of the sessions (their sessions are being deleted). */
export async function softDeleteMessagesOfSessions(tx: Executor, scope: TenantScope, sessionIds: string[]) {
  await tx
    .update(messages)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(scope), inArray(messages.sessionId, sessionIds)));
}

/**
 * The user messages of an agent's live sessions (or of one of them) created in [from, to), in
 * chronological order, at most `limit`: the items of an analysis run over a time window.
 */
export async function userMessagesInWindow(
  db: Executor,
  scope: TenantScope,
  window: { agentId: string; sessionId?: string | undefined; from: Date; to: Date; limit: number },
) {
  return db
    .select({
      id: messages.id,
      sessionId: messages.sessionId,
      content: messages.content,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .innerJoin(sessions, eq(sessions.id, messages.sessionId))
    .where(
      and(
        live(scope),
        eq(messages.role, 'user'),
        gte(messages.createdAt, window.from),
        lt(messages.createdAt, window.to),
        eq(sessions.agentId, window.agentId),
        isNull(sessions.deletedAt),
        window.sessionId ? eq(messages.sessionId, window.sessionId) : undefined,
      ),
    )
    .orderBy(...chronological)
    .limit(window.limit);
}

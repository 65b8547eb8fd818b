import {
  and,
  asc,
  count,
  desc,
  eq,
  inArray,
  isNotNull,
  isNull,
  or,
  Placeholder,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { preparedStatement } from '../../platform/db/prepared-statement.ts';
import { qualified } from '../../platform/db/qualified.ts';
import { inScope, inScopeProject, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { messages, sessions } from './conversation-tables.ts';
import { type ListSessionsQuery, NO_AGENT } from './session-schemas.ts';
import { titleOnUserMessage } from './session-title.ts';

export type SessionRow = typeof sessions.$inferSelect;
export type SessionInsert = typeof sessions.$inferInsert;
export type SessionChange = Partial<Pick<SessionRow, 'title' | 'userId' | 'status' | 'metadata'>>;

const inSessionScope = (scope: TenantScope) => inScope(sessions.organizationId, scope, sessions.projectId);
const live = (scope: TenantScope) => and(inSessionScope(scope), isNull(sessions.deletedAt));

const sortColumns = {
  created_at: sessions.createdAt,
  updated_at: sessions.updatedAt,
  last_activity: sessions.lastActivity,
} as const;

/** One multi-row INSERT: the whole batch commits or none of it does. */
export async function insertSessions(db: Executor, rows: SessionInsert[]) {
  return db.insert(sessions).values(rows).returning();
}

export async function findSession(db: Executor, scope: TenantScope, sessionId: string) {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(live(scope), eq(sessions.id, sessionId)));
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
  return async (scope: TenantScope, sessionId: string): Promise<SessionRow | undefined> => {
    const [row] = await statement.execute({ organizationId: scope.organizationId, sessionId });
    // Prepared on the organization alone: the project rule applies to the row read.
    return row && inScopeProject(scope, row.projectId) ? row : undefined;
  };
}

/** A session's latest messages (any role), oldest first, as its thread lookup reads them. */
export interface ThreadMessage {
  role: string;
  content: string;
}

/**
 * A live session of the scope with its latest `window` messages, the messages before them that
 * its summary does not cover yet (at most `backlog` of them, the newest), and the summary of older
 * ones, in one prepared statement: the only read of a turn that continues a session. The summary
 * covers the messages through its cursor (`context_summary_through_message_id`, by creation
 * order); with no cursor it covers none.
 */
export function prepareThreadLookup() {
  const newest = sql`(select message.role, message.content, message.created_at, message.id from ${messages} as message
    where message.organization_id = ${qualified(sessions, sessions.organizationId)}
      and message.session_id = ${qualified(sessions, sessions.id)} and message.deleted_at is null
    order by message.created_at desc, message.id desc limit ${sql.placeholder('loaded')})`;
  const cursor = qualified(sessions, sessions.contextSummaryThroughMessageId);
  const latest = sql`(select ranked.role, ranked.content, ranked.created_at, ranked.id from (
      select newest.*, row_number() over (order by newest.created_at desc, newest.id desc) as recency
      from ${newest} as newest) as ranked
    where ranked.recency <= ${sql.placeholder('window')} or ${cursor} is null
      or (ranked.created_at, ranked.id) > (select through.created_at, through.id from ${messages} as through where through.id = ${cursor}))`;
  const statement = preparedStatement('session_thread', (db) =>
    db
      .select({
        id: sessions.id,
        agentId: sessions.agentId,
        projectId: sessions.projectId,
        userId: sessions.userId,
        contextSummary: sessions.contextSummary,
        contextSummaryMessageCount: sessions.contextSummaryMessageCount,
        messageCount: sessions.messageCount,
        history:
          sql`coalesce((select json_agg(json_build_object('role', latest.role, 'content', latest.content) order by latest.created_at, latest.id) from ${latest} as latest), '[]')`.as(
            'history',
          ),
      })
      .from(sessions)
      .where(
        and(
          eq(sessions.organizationId, sql.placeholder('organizationId')),
          eq(sessions.id, sql.placeholder('sessionId')),
          isNull(sessions.deletedAt),
        ),
      ),
  );
  return async (
    db: Executor,
    scope: TenantScope,
    sessionId: string,
    limits: { window: number; backlog: number },
  ) => {
    const window = Math.max(0, limits.window);
    const [row] = await statement(db, {
      organizationId: scope.organizationId,
      sessionId,
      window,
      loaded: window + Math.max(0, limits.backlog),
    });
    // Prepared on the organization alone: the project rule applies to the row read.
    if (!row || !inScopeProject(scope, row.project_id as string | null)) return undefined;
    return {
      id: row.id as string,
      agentId: row.agent_id as string | null,
      userId: row.user_id as string | null,
      summary: row.context_summary as string | null,
      summaryMessageCount: row.context_summary_message_count as number,
      messageCount: row.message_count as number,
      history: row.history as ThreadMessage[],
    };
  };
}

/**
 * Unscoped: the organization of a live session, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findSessionOrganization(db: Executor, sessionId: string) {
  const [row] = await db
    .select({ organizationId: sessions.organizationId })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), isNull(sessions.deletedAt)));
  return row?.organizationId;
}

export async function listSessions(
  db: Executor,
  scope: TenantScope,
  query: Omit<ListSessionsQuery, 'limit' | 'offset'>,
  page: Page,
) {
  const conditions: SQL[] = [live(scope) as SQL];
  if (query.agent_id === NO_AGENT) conditions.push(isNull(sessions.agentId));
  else if (query.agent_id) conditions.push(eq(sessions.agentId, query.agent_id));
  if (query.user_id) conditions.push(eq(sessions.userId, query.user_id));
  if (query.status) conditions.push(eq(sessions.status, query.status));
  if (query.project_id) conditions.push(eq(sessions.projectId, query.project_id));
  const direction = query.sort_order === 'asc' ? asc : desc;
  const order = [direction(sortColumns[query.sort_by]), direction(sessions.id)];
  return listPage(db, sessions, and(...conditions), order, page);
}

export async function updateSession(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  change: SessionChange,
) {
  const [row] = await db
    .update(sessions)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(live(scope), eq(sessions.id, sessionId)))
    .returning();
  return row;
}

/**
 * Binds a live session of the scope that has no agent yet to `agent`, in one conditional UPDATE:
 * of two turns racing to bind it, one does. The session joins the agent's project; one of another
 * project is not bound. False when nothing was bound (it has an agent, is of another project, or
 * is gone).
 */
export async function bindSessionAgent(
  db: Executor,
  scope: TenantScope,
  sessionId: string,
  agent: { id: string; projectId: string | null },
) {
  const rows = await db
    .update(sessions)
    .set({ agentId: agent.id, projectId: agent.projectId, updatedAt: sql`now()` })
    .where(
      and(
        live(scope),
        eq(sessions.id, sessionId),
        isNull(sessions.agentId),
        or(isNull(sessions.projectId), agent.projectId ? eq(sessions.projectId, agent.projectId) : undefined),
      ),
    )
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/**
 * The UPDATE that adds `added` (negative to remove) to the message count, returning the session's
 * id; it also locks the session row until the transaction ends, so concurrent writers queue
 * instead of losing counts. For `adjustMessageCount`, or as a CTE of the messages' insert. The
 * values may be placeholders of a prepared statement (the scope then is the `organizationId`
 * placeholder, and `added` only adds messages). `title` is the title the added messages offer a
 * session without one (`titleOnUserMessage`): null when none of them is a user message.
 */
export function messageCountChange(
  tx: Executor,
  scope: TenantScope | Placeholder,
  sessionId: string | Placeholder,
  added: number | Placeholder,
  title: string | null | Placeholder = null,
) {
  const adds = typeof added !== 'number' || added > 0;
  const activity = adds ? { lastActivity: sql`greatest(${sessions.lastActivity}, now())` } : {};
  const titled =
    title === null
      ? {}
      : {
          title: titleOnUserMessage(
            {
              title: qualified(sessions, sessions.title),
              organizationId: qualified(sessions, sessions.organizationId),
              id: qualified(sessions, sessions.id),
            },
            sql`${title}::text`,
          ),
        };
  const inOrganization =
    scope instanceof Placeholder ? eq(sessions.organizationId, scope) : inSessionScope(scope);
  return tx
    .update(sessions)
    .set({ messageCount: sql`${sessions.messageCount} + ${added}`, ...activity, ...titled })
    .where(and(inOrganization, eq(sessions.id, sessionId), isNull(sessions.deletedAt)))
    .returning({ id: sessions.id });
}

/**
 * Adds `added` (negative to remove) to the message count in one atomic UPDATE (see
 * `messageCountChange`). Returns the session's id, or undefined when it is not a live session of
 * the scope.
 */
export async function adjustMessageCount(
  tx: Executor,
  scope: TenantScope,
  sessionId: string,
  added: number,
  title: string | null = null,
): Promise<{ id: string } | undefined> {
  const [row] = await messageCountChange(tx, scope, sessionId, added, title);
  return row;
}

/**
 * Unscoped on purpose: locks the given live sessions of any organization until the transaction
 * ends and returns their owners (organization and project), so that a batch delete can tell 403
 * from 404 for every id.
 */
export async function lockSessions(tx: Executor, sessionIds: string[]) {
  return tx
    .select({ id: sessions.id, organizationId: sessions.organizationId, projectId: sessions.projectId })
    .from(sessions)
    .where(and(inArray(sessions.id, sessionIds), isNull(sessions.deletedAt)))
    .orderBy(sessions.id)
    .for('update');
}

/** Soft-deletes live sessions of the scope; returns the ids it deleted. */
export async function softDeleteSessions(tx: Executor, scope: TenantScope, sessionIds: string[]) {
  const rows = await tx
    .update(sessions)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(live(scope), inArray(sessions.id, sessionIds)))
    .returning({ id: sessions.id });
  return rows.map((row) => row.id);
}

const ofProject = (scope: TenantScope, projectId: string) =>
  and(inScope(sessions.organizationId, scope), eq(sessions.projectId, projectId));

/** The project's live sessions (what keeps it from being deleted). */
export async function countProjectSessions(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(sessions)
    .where(and(ofProject(scope, projectId), isNull(sessions.deletedAt)));
  return row?.value ?? 0;
}

/** Deleted sessions of a project being deleted stop naming it. */
export async function releaseDeletedProjectSessions(db: Executor, scope: TenantScope, projectId: string) {
  await db
    .update(sessions)
    .set({ projectId: null })
    .where(and(ofProject(scope, projectId), isNotNull(sessions.deletedAt)));
}

/** Every session of an agent (deleted ones too) follows it to its new project. */
export async function moveAgentSessions(
  tx: Executor,
  scope: TenantScope,
  move: { agentId: string; projectId: string | null },
) {
  await tx
    .update(sessions)
    .set({ projectId: move.projectId })
    .where(and(inScope(sessions.organizationId, scope), eq(sessions.agentId, move.agentId)));
}

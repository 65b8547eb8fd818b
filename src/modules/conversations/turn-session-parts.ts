import { sql } from 'drizzle-orm';
import { cteName, jsonRows, type StatementPart } from '../../platform/db/statement-part.ts';
import { messages, sessions } from './conversation-tables.ts';
import { titleFromMessage, titleOnUserMessage } from './session-title.ts';

/** A message a turn stores, with its id chosen by the turn (time-ordered: the order it is read in). */
export interface TurnSessionMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  metadata: Record<string, unknown>;
  toolCalls: Record<string, unknown>[];
}

/** What one turn writes in its session. */
export interface TurnSessionWrite {
  sessionId: string;
  organizationId: string;
  agentId: string;
  /** The agent's project: a session the turn starts is in it. */
  projectId: string | null;
  /** The end user the session is for. */
  userId: string | null;
  createdByUserId: string | null;
  createdByApiKeyId: string | null;
  /** The turn started this session: it is inserted, with the greeting, if it is not there yet. */
  created: boolean;
  greeting: TurnSessionMessage | null;
  /** The exchange (user message, then answer); empty for a turn that stores no messages. */
  messages: TurnSessionMessage[];
}

const messageRow = (write: TurnSessionWrite, message: TurnSessionMessage) => ({
  id: message.id,
  organization_id: write.organizationId,
  session_id: write.sessionId,
  role: message.role,
  content: message.content,
  metadata: message.metadata,
  tool_calls: message.toolCalls,
});

/** The title the exchange offers a session without one: its user message's (`titleFromMessage`). */
const offeredTitle = (write: TurnSessionWrite) => {
  const question = write.messages.find((message) => message.role === 'user');
  return question ? titleFromMessage(question.content) : null;
};

/**
 * One row per session: turns of one session that end in the same batch add their messages
 * together (a row may be inserted or updated only once per statement), and the first of them
 * with a user message offers the title.
 */
function sessionRows(writes: readonly TurnSessionWrite[]) {
  const rows = new Map<
    string,
    { [column: string]: unknown; new_count: number; added: number; title: string | null }
  >();
  for (const write of writes) {
    const greetings = write.created && write.greeting ? 1 : 0;
    const row = rows.get(write.sessionId) ?? {
      id: write.sessionId,
      organization_id: write.organizationId,
      project_id: write.projectId,
      agent_id: write.agentId,
      user_id: write.userId,
      created_by_user_id: write.createdByUserId,
      created_by_api_key_id: write.createdByApiKeyId,
      new_count: greetings,
      added: 0,
      title: null,
    };
    row.new_count += write.messages.length;
    row.added += write.messages.length;
    row.title ??= offeredTitle(write);
    rows.set(write.sessionId, row);
  }
  // Sessions in id order: concurrent statements lock them in the same order.
  return [...rows.values()].sort((left, right) => String(left.id).localeCompare(String(right.id)));
}

const messageRows = (writes: readonly TurnSessionWrite[], withExchange: boolean) =>
  writes.flatMap((write) => [
    ...(write.created && write.greeting ? [messageRow(write, write.greeting)] : []),
    ...(withExchange ? write.messages.map((message) => messageRow(write, message)) : []),
  ]);

const sessionColumns = sql`id uuid, organization_id uuid, project_id uuid, agent_id uuid, user_id text, created_by_user_id uuid, created_by_api_key_id uuid, new_count int, added int, title text`;
const messageColumns = sql`id uuid, organization_id uuid, session_id uuid, role text, content text, metadata jsonb, tool_calls jsonb`;

/** A continued session (or one whose start record inserted it) takes the offered title only if it has none. */
const continuedTitle = titleOnUserMessage(
  { title: sql`existing.title`, organizationId: sql`existing.organization_id`, id: sql`existing.id` },
  sql`excluded.title`,
);

/**
 * The sessions and messages of turns that end, as one part of the statement recording their ends
 * (see the execution module's turn recorder). A session the turn started is inserted (with its
 * greeting, titled after the user's message) unless its start record already did; a continued one
 * gets the turn's messages added to its count (and the title, if it has none: `titleOnUserMessage`),
 * provided it is still a live session of the organization. `written` names the CTE of the sessions
 * actually written: a turn's messages are stored only in those, and the caller stores a turn that
 * needs its session only when that session is among them.
 */
export function turnEndSessionsPart(names: { written: string }): StatementPart<TurnSessionWrite> {
  const written = cteName(names.written);
  return {
    ctes: [
      sql`turn_sessions as (select * from jsonb_to_recordset(${sql.placeholder('turnSessions')}::jsonb) as s(${sessionColumns}))`,
      sql`${written} as (
        insert into ${sessions} as existing (id, organization_id, project_id, agent_id, user_id, title, message_count, created_by_user_id, created_by_api_key_id)
        select id, organization_id, project_id, agent_id, user_id, title, new_count, created_by_user_id, created_by_api_key_id from turn_sessions
        on conflict (id) do update set
          message_count = existing.message_count + (select added from turn_sessions where turn_sessions.id = excluded.id),
          last_activity = greatest(existing.last_activity, now()),
          title = ${continuedTitle}
        where existing.organization_id = excluded.organization_id and existing.deleted_at is null
        returning id)`,
      sql`turn_messages as (
        insert into ${messages} (id, organization_id, session_id, role, content, metadata, tool_calls)
        select m.* from jsonb_to_recordset(${sql.placeholder('turnMessages')}::jsonb) as m(${messageColumns})
        where m.session_id in (select id from ${written})
        on conflict (id) do nothing)`,
    ],
    values: (writes) => ({
      turnSessions: jsonRows(sessionRows(writes)),
      turnMessages: jsonRows(messageRows(writes, true)),
    }),
  };
}

/**
 * The sessions that turns start, as one part of the statement recording runs that started: the
 * session and its greeting are inserted, unless the turn's end already wrote them. Sessions the
 * turns continue exist already and are not touched.
 */
export function turnStartSessionsPart(): StatementPart<TurnSessionWrite> {
  return {
    ctes: [
      sql`opened_sessions as (
        insert into ${sessions} (id, organization_id, project_id, agent_id, user_id, message_count, created_by_user_id, created_by_api_key_id)
        select id, organization_id, project_id, agent_id, user_id, new_count, created_by_user_id, created_by_api_key_id
        from jsonb_to_recordset(${sql.placeholder('openedSessions')}::jsonb) as s(${sessionColumns})
        on conflict (id) do nothing
        returning id)`,
      sql`opened_greetings as (
        insert into ${messages} (id, organization_id, session_id, role, content, metadata, tool_calls)
        select m.* from jsonb_to_recordset(${sql.placeholder('openedGreetings')}::jsonb) as m(${messageColumns})
        where m.session_id in (select id from opened_sessions)
        on conflict (id) do nothing)`,
    ],
    values: (writes) => {
      const opened = writes.filter((write) => write.created).map((write) => ({ ...write, messages: [] }));
      return {
        openedSessions: jsonRows(sessionRows(opened)),
        openedGreetings: jsonRows(messageRows(opened, false)),
      };
    },
  };
}

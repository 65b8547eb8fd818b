import { type SQL, sql } from 'drizzle-orm';
import { shortenText } from '../../platform/text/shorten.ts';
import { messages } from './conversation-tables.ts';

/** Seed 001: a thread without a title is named after its first user message, in at most this many characters. */
export const DEFAULT_TITLE_MAX_CHARACTERS = 80;

/** The title a user message gives a session that has none: its text on one line, shortened; null when blank. */
export const titleFromMessage = (content: string): string | null =>
  shortenText(content, DEFAULT_TITLE_MAX_CHARACTERS) || null;

/**
 * The title of a session to which a user message is being added, as SQL: `offered` (the message's
 * `titleFromMessage`, or null for any other message) only when the session has no title and no
 * earlier live user message, else the title it has. So a given title is never replaced, and a
 * title cleared after the first user message stays cleared. Messages inserted by the same
 * statement are not among the earlier ones (a statement sees the rows of its start).
 */
export const titleOnUserMessage = (current: { title: SQL; organizationId: SQL; id: SQL }, offered: SQL) =>
  sql`coalesce(${current.title}, case
    when ${offered} is null then null
    when exists (select 1 from ${messages} as earlier
      where earlier.organization_id = ${current.organizationId} and earlier.session_id = ${current.id}
        and earlier.role = 'user' and earlier.deleted_at is null) then null
    else ${offered} end)`;

import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tsvector } from '../../platform/db/column-types.ts';
import { agents } from '../agents/agent-tables.ts';
import { organizations, projects } from '../tenancy/tenancy-tables.ts';

export const sessionStatuses = ['active', 'archived'] as const;
export const messageRoles = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof messageRoles)[number];

export type JsonObject = Record<string, unknown>;

/** A conversation between an agent and one end user (seed 004 session, seed 001 thread). */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /**
     * Null for a session created without an agent (seed 004): the first turn that names the
     * session sets it (`bindSessionAgent`), and it never changes afterwards.
     */
    agentId: uuid('agent_id').references(() => agents.id),
    /** The project the session belongs to (its agent's when it has one); null: the organization at large. */
    projectId: uuid('project_id').references(() => projects.id),
    /** The caller's identifier of the end user; not an Agentry user. */
    userId: text('user_id'),
    title: text('title'),
    status: text('status', { enum: sessionStatuses }).notNull().default('active'),
    /** Maintained in the transaction of every message insert or delete, never recounted. */
    messageCount: integer('message_count').notNull().default(0),
    lastActivity: timestamp('last_activity', { withTimezone: true }).notNull().defaultNow(),
    /**
     * The summary of the messages that fell out of the agent's thread window, oldest first, kept
     * by the thread-summary job (thread-summary-job.ts); null until the first one is made.
     */
    contextSummary: text('context_summary'),
    contextSummaryUpdatedAt: timestamp('context_summary_updated_at', { withTimezone: true }),
    /** How many messages (any role) the summary covers. */
    contextSummaryMessageCount: integer('context_summary_message_count').notNull().default(0),
    /** The newest message the summary covers: the job goes on after it. Not a foreign key (messages reference sessions). */
    contextSummaryThroughMessageId: uuid('context_summary_through_message_id'),
    metadata: jsonb('metadata').$type<JsonObject>().notNull().default({}),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    index('sessions_organization_agent_activity_idx')
      .on(table.organizationId, table.agentId, table.lastActivity)
      .where(sql`${table.deletedAt} is null`),
    index('sessions_organization_user_idx')
      .on(table.organizationId, table.userId)
      .where(sql`${table.deletedAt} is null`),
    index('sessions_project_idx').on(table.projectId).where(sql`${table.projectId} is not null`),
    // The unfiltered list, newest activity first, is the console's default view.
    index('sessions_organization_activity_idx')
      .on(table.organizationId, table.lastActivity)
      .where(sql`${table.deletedAt} is null`),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    metadata: jsonb('metadata').$type<JsonObject>().notNull().default({}),
    toolCalls: jsonb('tool_calls').$type<JsonObject[]>().notNull().default([]),
    /** Threading: always a message of the same session (checked by the service). */
    parentMessageId: uuid('parent_message_id').references((): AnyPgColumn => messages.id),
    /** In [-1, 1]: 1 is a thumbs up, -1 a thumbs down, anything between a graded rating. */
    feedbackScore: real('feedback_score'),
    feedbackReason: text('feedback_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    /** Kept by PostgreSQL itself; 'simple' (no stemming) so that every language matches literally. */
    searchVector: tsvector('search_vector').notNull().generatedAlwaysAs(sql`to_tsvector('simple', content)`),
  },
  (table) => [
    index('messages_session_created_idx')
      .on(table.sessionId, table.createdAt, table.id)
      .where(sql`${table.deletedAt} is null`),
    index('messages_search_idx').using('gin', table.searchVector),
  ],
);

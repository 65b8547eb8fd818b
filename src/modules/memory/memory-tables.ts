import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tsvector } from '../../platform/db/column-types.ts';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

/** The namespaces of seed 001: the agent's own, one per end user, one per thread (session). */
export const memoryScopes = ['agent', 'user', 'thread'] as const;
export type MemoryScope = (typeof memoryScopes)[number];

/**
 * What an agent remembers (seed 001 phase 3): one durable statement in one namespace,
 * `{org}:{agent}`, `{org}:{agent}:user:{user}` or `{org}:{agent}:thread:{session}`. A statement
 * made again reinforces its row (same `content_key` in the namespace) instead of adding one.
 * Embeddings, when an embedding model is configured, live in `memory_embeddings` (created at
 * start where pgvector is, like the knowledge chunks').
 */
export const memories = pgTable(
  'memories',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    scope: text('scope', { enum: memoryScopes }).notNull(),
    /** The end user of a user-scoped memory, and of a thread's when the session has one. */
    userId: text('user_id'),
    /** The session of a thread-scoped memory. Not a foreign key: deleting a session keeps what was learnt. */
    sessionId: uuid('session_id'),
    /** fact, preference, summary, episode, reflection, ... */
    kind: text('kind').notNull(),
    content: text('content').notNull(),
    /** The content normalized (case, spacing, punctuation): the same statement made twice has one key. */
    contentKey: text('content_key').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** Where it was learnt: the run and message; null for a memory added by hand. */
    sourceRunId: uuid('source_run_id'),
    sourceMessageId: uuid('source_message_id'),
    /** 1 when first stored; each restatement and each recall adds to it. */
    reinforcement: integer('reinforcement').notNull().default(1),
    accessCount: integer('access_count').notNull().default(0),
    lastAccessedAt: timestamp('last_accessed_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    searchVector: tsvector('search_vector').notNull().generatedAlwaysAs(sql`to_tsvector('english', content)`),
  },
  (table) => [
    uniqueIndex('memories_namespace_content_unique').on(table.agentId, table.namespace, table.contentKey),
    index('memories_agent_namespace_created_idx').on(table.agentId, table.namespace, table.createdAt),
    // Recall's candidates: a namespace's most recently used memories (the expression is
    // `lastUsedAt`, memory-repository.ts) and its most reinforced; retention reads the first too.
    index('memories_agent_namespace_used_idx').on(
      table.agentId,
      table.namespace,
      sql`greatest(${table.createdAt}, ${table.updatedAt}, ${table.lastAccessedAt})`,
    ),
    index('memories_agent_namespace_reinforcement_idx').on(
      table.agentId,
      table.namespace,
      table.reinforcement,
    ),
    index('memories_agent_user_idx').on(table.agentId, table.userId).where(sql`${table.userId} is not null`),
    index('memories_organization_created_idx').on(table.organizationId, table.createdAt),
    // Memories arrive a few at a time: without a pending list (which every search reads in full
    // until a vacuum merges it, and PGlite has no autovacuum) each insert updates the index at once.
    index('memories_search_idx').using('gin', table.searchVector).with({ fastupdate: false }),
  ],
);

export type MemoryRow = typeof memories.$inferSelect;

import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations, projects } from '../tenancy/tenancy-tables.ts';

export const contextAccessLevels = ['read', 'read_write'] as const;
export type ContextAccess = (typeof contextAccessLevels)[number];
export const contextChangeTypes = ['created', 'write', 'rollback'] as const;
export type ContextChangeType = (typeof contextChangeTypes)[number];

/**
 * A named JSON document an agent owns (seed 002 shared context), name unique per agent. Its data
 * lives in immutable versions; `current_version` names the newest, which is never pruned.
 */
export const agentContexts = pgTable(
  'agent_contexts',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /** The owning agent's project, copied so that project-scoped lists filter on it. */
    projectId: uuid('project_id').references(() => projects.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    currentVersion: integer('current_version').notNull().default(1),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('agent_contexts_agent_name_unique').on(table.agentId, table.name),
    index('agent_contexts_organization_idx').on(table.organizationId, table.createdAt),
    index('agent_contexts_project_idx').on(table.projectId).where(sql`${table.projectId} is not null`),
  ],
);

/** One immutable state of a context. A rollback appends a version equal to the one rolled back to. */
export const agentContextVersions = pgTable(
  'agent_context_versions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    contextId: uuid('context_id')
      .notNull()
      .references(() => agentContexts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    changeType: text('change_type', { enum: contextChangeTypes }).notNull(),
    changeDescription: text('change_description'),
    /** The version a rollback restored. */
    restoredVersion: integer('restored_version'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    /** Set when an agent wrote it through its `write_context` tool: the agent and its run. */
    createdByAgentId: uuid('created_by_agent_id'),
    createdByRunId: uuid('created_by_run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('agent_context_versions_context_version_unique').on(table.contextId, table.version),
  ],
);

/** Another agent of the same organization that may read (or read and write) a context. */
export const agentContextShares = pgTable(
  'agent_context_shares',
  {
    organizationId: uuid('organization_id').notNull(),
    contextId: uuid('context_id')
      .notNull()
      .references(() => agentContexts.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    access: text('access', { enum: contextAccessLevels }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.contextId, table.agentId] }),
    index('agent_context_shares_agent_idx').on(table.agentId),
  ],
);

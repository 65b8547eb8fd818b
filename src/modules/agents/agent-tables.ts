import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organizations, projects } from '../tenancy/tenancy-tables.ts';
import type { AgentConfig, AgentRuntime } from './agent-config.ts';

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    /** The whole versioned configuration; the columns below copy the parts that lists filter on. */
    configuration: jsonb('configuration').$type<AgentConfig>().notNull(),
    name: text('name').notNull(),
    description: text('description'),
    agentType: text('agent_type').notNull(),
    kind: text('kind').notNull(),
    /** The project the agent belongs to; null: the organization at large. */
    projectId: uuid('project_id').references(() => projects.id),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    status: text('status', { enum: ['active', 'inactive', 'archived'] })
      .notNull()
      .default('active'),
    version: integer('version').notNull().default(1),
    runtime: jsonb('runtime').$type<AgentRuntime>().notNull(),
    interactionCount: integer('interaction_count').notNull().default(0),
    lastInteractionAt: timestamp('last_interaction_at', { withTimezone: true }),
    totalTasksProcessed: integer('total_tasks_processed').notNull().default(0),
    totalProcessingTimeMs: bigint('total_processing_time_ms', { mode: 'number' }).notNull().default(0),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    index('agents_organization_created_idx')
      .on(table.organizationId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
    index('agents_tags_idx').using('gin', table.tags),
    index('agents_project_idx').on(table.projectId).where(sql`${table.projectId} is not null`),
  ],
);

/** Immutable snapshot of an agent's configuration at each version. */
export const agentVersions = pgTable(
  'agent_versions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').$type<AgentConfig>().notNull(),
    checksum: text('checksum').notNull(),
    changeType: text('change_type').notNull(),
    changeReason: text('change_reason'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('agent_versions_agent_version_unique').on(table.agentId, table.version)],
);

/** One row per changed field per change; `seq` gives the causal order within an agent. */
export const agentHistory = pgTable(
  'agent_history',
  {
    id: uuid('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity().notNull(),
    organizationId: uuid('organization_id').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    changeType: text('change_type').notNull(),
    fieldChanged: text('field_changed'),
    oldValue: text('old_value'),
    newValue: text('new_value'),
    changedByUserId: uuid('changed_by_user_id'),
    changedByApiKeyId: uuid('changed_by_api_key_id'),
    changeReason: text('change_reason'),
    ipAddress: text('ip_address'),
    version: integer('version').notNull(),
    changeTimestamp: timestamp('change_timestamp', { withTimezone: true }).notNull(),
  },
  (table) => [
    index('agent_history_agent_seq_idx').on(table.agentId, table.seq),
    index('agent_history_timestamp_idx').on(table.changeTimestamp),
  ],
);

import { sql } from 'drizzle-orm';
import { boolean, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * A registered agent kind (seed 002 AgentDefinition), shared by every organization. The rows are
 * written at start from the kinds the registry loaded (built-in and `AGENT_REGISTRY_MODULES`);
 * `is_enabled` is the operator's and survives restarts.
 */
export const agentDefinitions = pgTable('agent_definitions', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  agentType: text('agent_type').notNull(),
  description: text('description'),
  capabilities: text('capabilities').array().notNull().default(sql`'{}'::text[]`),
  configSchema: jsonb('config_schema').$type<Record<string, unknown>>().notNull(),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  isEnabled: boolean('is_enabled').notNull().default(true),
  /** `builtin`, or the module specifier it was loaded from. */
  source: text('source').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

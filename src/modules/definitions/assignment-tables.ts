import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';
import { taskDefinitions } from './definition-tables.ts';

/**
 * An agent assigned a task definition (seed 003 AgentTaskAssignment): one live row per pair.
 * Removing an assignment sets `deleted_at`, so that what referenced it (runs' metadata, analysis
 * runs) still finds it; assigning the pair again makes a new row.
 */
export const agentAssignments = pgTable(
  'agent_assignments',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    taskDefinitionId: uuid('task_definition_id')
      .notNull()
      .references(() => taskDefinitions.id),
    isActive: boolean('is_active').notNull().default(true),
    assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('agent_assignments_pair_unique')
      .on(table.agentId, table.taskDefinitionId)
      .where(sql`${table.deletedAt} is null`),
    index('agent_assignments_organization_assigned_idx')
      .on(table.organizationId, table.assignedAt)
      .where(sql`${table.deletedAt} is null`),
    index('agent_assignments_definition_idx')
      .on(table.taskDefinitionId)
      .where(sql`${table.deletedAt} is null`),
  ],
);

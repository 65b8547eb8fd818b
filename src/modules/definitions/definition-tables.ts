import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { organizations } from '../tenancy/tenancy-tables.ts';

/** A JSON Schema as stored: checked with ajv when written (root type object). */
export type ResponseSchema = Record<string, unknown>;

/** What a version of a task definition pins: everything a run of it depends on. */
export interface DefinitionSnapshot {
  name: string;
  description: string | null;
  instructions: string | null;
  response_schema: ResponseSchema;
  is_active: boolean;
}

/**
 * A task definition (seed 003 "TaskConfig"): what an agent must produce for a task, as
 * instructions and a JSON Schema its answer must validate against. Its current state; every state
 * it had is a row of `task_definition_versions`.
 */
export const taskDefinitions = pgTable(
  'task_definitions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    description: text('description'),
    instructions: text('instructions'),
    responseSchema: jsonb('response_schema').$type<ResponseSchema>().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    version: integer('version').notNull().default(1),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    // Case-insensitive, like provider names: a task type names a definition by it (resolveForTask).
    uniqueIndex('task_definitions_organization_name_unique')
      .on(table.organizationId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    index('task_definitions_organization_created_idx')
      .on(table.organizationId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
  ],
);

/** Immutable snapshot of a task definition at each version; runs name the version they used. */
export const taskDefinitionVersions = pgTable(
  'task_definition_versions',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id').notNull(),
    taskDefinitionId: uuid('task_definition_id')
      .notNull()
      .references(() => taskDefinitions.id),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').$type<DefinitionSnapshot>().notNull(),
    checksum: text('checksum').notNull(),
    changeType: text('change_type', { enum: ['created', 'updated'] }).notNull(),
    /** The snapshot fields that differ from the previous version (all of them at version 1). */
    changedFields: text('changed_fields').array().notNull(),
    changeReason: text('change_reason'),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('task_definition_versions_definition_version_unique').on(
      table.taskDefinitionId,
      table.version,
    ),
  ],
);

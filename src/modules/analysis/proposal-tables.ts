import {
  foreignKey,
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
import { analysisRunItems, analysisRuns, type JsonObject, type SourceRef } from './analysis-tables.ts';

export const proposalStatuses = ['pending', 'approved', 'rejected'] as const;
export type ProposalStatus = (typeof proposalStatuses)[number];

/**
 * A validated output of an analysis run for one of its items (seed 003 TaskProposal), for people
 * to approve or reject. At most one per item: `(run_id, item_index)` is unique, and it is written
 * in the transaction that completes the item, so a re-delivered job never stores an item twice.
 */
export const analysisProposals = pgTable(
  'analysis_proposals',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    runId: uuid('run_id')
      .notNull()
      .references(() => analysisRuns.id, { onDelete: 'cascade' }),
    itemIndex: integer('item_index').notNull(),
    sourceRef: jsonb('source_ref').$type<SourceRef>().notNull(),
    output: jsonb('output').$type<JsonObject>().notNull(),
    status: text('status', { enum: proposalStatuses }).notNull().default('pending'),
    /** Why it was rejected (or approved), as the reviewer said. */
    reason: text('reason'),
    reviewedByUserId: uuid('reviewed_by_user_id'),
    reviewedByApiKeyId: uuid('reviewed_by_api_key_id'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    foreignKey({
      name: 'analysis_proposals_item_fk',
      columns: [table.runId, table.itemIndex],
      foreignColumns: [analysisRunItems.runId, analysisRunItems.itemIndex],
    }).onDelete('cascade'),
    uniqueIndex('analysis_proposals_run_item_unique').on(table.runId, table.itemIndex),
    index('analysis_proposals_run_status_idx').on(table.runId, table.status, table.itemIndex),
    index('analysis_proposals_organization_idx').on(table.organizationId),
  ],
);

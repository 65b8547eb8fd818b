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
import { tsvector } from '../../platform/db/column-types.ts';
import { agents } from '../agents/agent-tables.ts';
import { organizations, projects } from '../tenancy/tenancy-tables.ts';

/** The document types an upload may be (DESIGN section 7): its extension, checked against its bytes. */
export const documentKinds = ['pdf', 'docx', 'xlsx', 'csv', 'md', 'txt'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const processingStatuses = ['pending', 'processing', 'processed', 'failed'] as const;
export type ProcessingStatus = (typeof processingStatuses)[number];

/** Something an upload's screening or extraction noticed (`<script`, a spreadsheet formula, ...). */
export interface ContentFinding {
  /** A stable code: script_tag, javascript_url, eval_call, formula_injection, external_link, ... */
  code: string;
  message: string;
  /** Where it was seen (a page, a sheet and row, a byte offset), when known. */
  location?: string;
}

/** Where a chunk sits in its document, for the labels the model and the search results show. */
export interface ChunkPosition {
  /** 1-based PDF page. */
  page?: number;
  /** XLSX sheet name. */
  sheet?: string;
  /** 1-based data rows of a table (XLSX sheet or CSV), both ends included. */
  rows?: [number, number];
  /** Markdown (or DOCX) headings above the chunk, outermost first. */
  headingPath?: string[];
  /** Offset of the chunk's first character in the document's extracted text. */
  charStart: number;
}

/**
 * The bytes of an upload, once per content within an organization (SHA-256): where the blob is,
 * what the screening found, and the one extraction every file and agent with this content shares.
 */
export const fileContents = pgTable(
  'file_contents',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    /** The media type the bytes were detected as, served with every download. */
    mimeType: text('mime_type').notNull(),
    /** How the content is extracted: the extension of its first upload. */
    kind: text('kind', { enum: documentKinds }).notNull(),
    /** The blob store's key: `<organization>/<sha256>`. */
    storageKey: text('storage_key').notNull(),
    findings: jsonb('findings').$type<ContentFinding[]>().notNull().default([]),
    processingStatus: text('processing_status', { enum: processingStatuses }).notNull().default('pending'),
    processingError: text('processing_error'),
    /**
     * The number of the latest extraction request (0: never requested, before the first
     * attachment); a job records its outcome only while the row still holds its number, so a
     * stale worker never overwrites a newer extraction.
     */
    processingAttempt: integer('processing_attempt').notNull().default(0),
    charCount: integer('char_count'),
    pageCount: integer('page_count'),
    chunkCount: integer('chunk_count'),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('file_contents_organization_sha256_idx').on(table.organizationId, table.sha256)],
);

export type ContentRow = typeof fileContents.$inferSelect;

/** An upload as its organization sees it: a name for a content (two names may share one). */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    contentId: uuid('content_id')
      .notNull()
      .references(() => fileContents.id),
    /** The uploaded name made safe: no path, no control characters, bounded length. */
    filename: text('filename').notNull(),
    purpose: text('purpose').notNull(),
    /** The project the file belongs to; null: the organization at large. */
    projectId: uuid('project_id').references(() => projects.id),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('files_organization_created_idx').on(table.organizationId, table.createdAt, table.id),
    index('files_content_idx').on(table.contentId),
    index('files_project_idx').on(table.projectId).where(sql`${table.projectId} is not null`),
  ],
);

/** A file an agent reads (seed 000 AgentFile); its processing status is its content's. */
export const agentFiles = pgTable(
  'agent_files',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id),
    /** Files are read in this order, lowest first (seed 000); ties by attachment time. */
    orderIndex: integer('order_index').notNull().default(0),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('agent_files_agent_file_idx').on(table.agentId, table.fileId),
    index('agent_files_file_idx').on(table.fileId),
  ],
);

/**
 * A passage of a content's extracted text, in document order. Chunks do not overlap: joined in
 * `ordinal` order they are the whole text. Full-text search always; vectors, when an embedding
 * model is configured, live in `knowledge_chunk_embeddings` (created at start where pgvector is).
 */
export const knowledgeChunks = pgTable(
  'knowledge_chunks',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    contentId: uuid('content_id')
      .notNull()
      .references(() => fileContents.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    text: text('text').notNull(),
    position: jsonb('position').$type<ChunkPosition>().notNull(),
    /** English stemming, so that "invoices" finds "invoice"; vectors cover meaning across languages. */
    searchVector: tsvector('search_vector').notNull().generatedAlwaysAs(sql`to_tsvector('english', text)`),
  },
  (table) => [
    uniqueIndex('knowledge_chunks_content_ordinal_idx').on(table.contentId, table.ordinal),
    index('knowledge_chunks_search_idx').using('gin', table.searchVector),
  ],
);

/**
 * An organization's knowledge settings: the embedding model its chunks are embedded with, if any
 * (full-text retrieval only without one).
 */
export const knowledgeSettings = pgTable('knowledge_settings', {
  organizationId: uuid('organization_id')
    .primaryKey()
    .references(() => organizations.id),
  embeddingProviderId: text('embedding_provider_id'),
  embeddingModel: text('embedding_model'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

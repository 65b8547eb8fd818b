import { and, asc, count, desc, eq, ilike, inArray, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { escapeLike } from '../../platform/db/like-pattern.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agentFiles, type ContentRow, fileContents, files } from './knowledge-tables.ts';

export type FileRow = typeof files.$inferSelect;
/** A file with the content it names and how many agents read it: what every file view shows. */
export interface StoredFile {
  file: FileRow;
  content: ContentRow;
  attachedAgents: number;
}

const storedFileColumns = {
  file: files,
  content: fileContents,
  attachedAgents:
    sql<number>`(select count(*) from ${agentFiles} where ${agentFiles.fileId} = ${files.id})`.mapWith(
      Number,
    ),
};

/**
 * The content row of these bytes in the organization: the existing one when the same bytes were
 * uploaded before (deduplication by SHA-256), else a new one. Concurrent uploads of the same bytes
 * meet on the unique index and share one row.
 */
export async function upsertContent(
  tx: Executor,
  row: typeof fileContents.$inferInsert,
): Promise<ContentRow> {
  const [inserted] = await tx
    .insert(fileContents)
    .values(row)
    .onConflictDoUpdate({
      target: [fileContents.organizationId, fileContents.sha256],
      // A no-op update, so that RETURNING yields the existing row (and locks it for the transaction).
      set: { sha256: sql`excluded.sha256` },
    })
    .returning();
  return inserted as ContentRow;
}

export async function insertFile(tx: Executor, row: typeof files.$inferInsert): Promise<FileRow> {
  const [inserted] = await tx.insert(files).values(row).returning();
  return inserted as FileRow;
}

/** A project-scoped caller's files are its project's. */
const inFileScope = (scope: TenantScope) => inScope(files.organizationId, scope, files.projectId);

export async function findFile(
  db: Executor,
  scope: TenantScope,
  fileId: string,
): Promise<StoredFile | undefined> {
  const [row] = await db
    .select(storedFileColumns)
    .from(files)
    .innerJoin(fileContents, eq(fileContents.id, files.contentId))
    .where(and(inFileScope(scope), eq(files.id, fileId)));
  return row;
}

/** The organization of a file, read outside any scope: only to tell 403 from 404. */
export async function findFileOrganization(db: Executor, fileId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ organizationId: files.organizationId })
    .from(files)
    .where(eq(files.id, fileId));
  return row?.organizationId;
}

export interface FileFilters {
  purpose?: string | undefined;
  processingStatus?: ContentRow['processingStatus'] | undefined;
  /** Part of the file name, any case. */
  search?: string | undefined;
  projectId?: string | undefined;
}

/** The organization's files, newest first, with the total. */
export async function listFiles(db: Executor, scope: TenantScope, filters: FileFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [inFileScope(scope)];
  if (filters.projectId) conditions.push(eq(files.projectId, filters.projectId));
  if (filters.purpose) conditions.push(eq(files.purpose, filters.purpose));
  if (filters.processingStatus) conditions.push(eq(fileContents.processingStatus, filters.processingStatus));
  if (filters.search) conditions.push(ilike(files.filename, `%${escapeLike(filters.search)}%`));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select(storedFileColumns)
      .from(files)
      .innerJoin(fileContents, eq(fileContents.id, files.contentId))
      .where(where)
      .orderBy(desc(files.createdAt), desc(files.id))
      .limit(page.limit)
      .offset(page.offset),
    db
      .select({ value: count() })
      .from(files)
      .innerJoin(fileContents, eq(fileContents.id, files.contentId))
      .where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

/** The agents a file is attached to, for the detachments a forced delete records. */
export async function attachedAgents(db: Executor, scope: TenantScope, fileId: string): Promise<string[]> {
  const rows = await db
    .select({ agentId: agentFiles.agentId })
    .from(agentFiles)
    .where(and(inScope(agentFiles.organizationId, scope), eq(agentFiles.fileId, fileId)))
    .orderBy(asc(agentFiles.agentId));
  return rows.map((row) => row.agentId);
}

/** Removes the file's attachments to these agents (deleted ones: they read nothing any more). */
export async function deleteAttachments(
  tx: Executor,
  scope: TenantScope,
  fileId: string,
  agentIds: string[],
) {
  if (agentIds.length === 0) return;
  await tx
    .delete(agentFiles)
    .where(
      and(
        inScope(agentFiles.organizationId, scope),
        eq(agentFiles.fileId, fileId),
        inArray(agentFiles.agentId, agentIds),
      ),
    );
}

/**
 * Deletes a file row; when it was the last name of its content, the content and its chunks go too
 * and its storage key is returned, for the blob to be removed once the transaction commits.
 */
export async function deleteFile(tx: Executor, scope: TenantScope, file: FileRow): Promise<string | null> {
  await tx.delete(files).where(and(inFileScope(scope), eq(files.id, file.id)));
  const [orphan] = await tx
    .delete(fileContents)
    .where(
      and(
        inScope(fileContents.organizationId, scope),
        eq(fileContents.id, file.contentId),
        sql`not exists (select 1 from ${files} where ${files.contentId} = ${fileContents.id})`,
      ),
    )
    .returning({ storageKey: fileContents.storageKey });
  return orphan?.storageKey ?? null;
}

/** The organization's content with these bytes, if it has uploaded them before. */
export async function findContentBySha256(db: Executor, scope: TenantScope, sha256: string) {
  const [row] = await db
    .select()
    .from(fileContents)
    .where(and(inScope(fileContents.organizationId, scope), eq(fileContents.sha256, sha256)));
  return row;
}

/** The project's files (what keeps it from being deleted; files are deleted for good, none is gone). */
export async function countProjectFiles(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(files)
    .where(and(inScope(files.organizationId, scope), eq(files.projectId, projectId)));
  return row?.value ?? 0;
}

import { and, asc, count, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agentFiles, fileContents, files } from './knowledge-tables.ts';

export type AgentFileRow = typeof agentFiles.$inferSelect;

const attachmentColumns = { attachment: agentFiles, file: files, content: fileContents };

const ofAgent = (scope: TenantScope, agentId: string) =>
  and(inScope(agentFiles.organizationId, scope), eq(agentFiles.agentId, agentId));

/** The agent's files in reading order (order_index, then attachment time), with their contents. */
export async function listAgentFiles(db: Executor, scope: TenantScope, agentId: string, page: Page) {
  const [rows, [total]] = await Promise.all([
    db
      .select(attachmentColumns)
      .from(agentFiles)
      .innerJoin(files, eq(files.id, agentFiles.fileId))
      .innerJoin(fileContents, eq(fileContents.id, files.contentId))
      .where(ofAgent(scope, agentId))
      .orderBy(asc(agentFiles.orderIndex), asc(agentFiles.createdAt), asc(agentFiles.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agentFiles).where(ofAgent(scope, agentId)),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function findAgentFile(db: Executor, scope: TenantScope, agentId: string, fileId: string) {
  const [row] = await db
    .select(attachmentColumns)
    .from(agentFiles)
    .innerJoin(files, eq(files.id, agentFiles.fileId))
    .innerJoin(fileContents, eq(fileContents.id, files.contentId))
    .where(and(ofAgent(scope, agentId), eq(agentFiles.fileId, fileId)));
  return row;
}

export async function countAgentFiles(db: Executor, scope: TenantScope, agentId: string): Promise<number> {
  const [row] = await db.select({ value: count() }).from(agentFiles).where(ofAgent(scope, agentId));
  return row?.value ?? 0;
}

export async function insertAgentFile(
  tx: Executor,
  row: typeof agentFiles.$inferInsert,
): Promise<AgentFileRow> {
  const [inserted] = await tx.insert(agentFiles).values(row).returning();
  return inserted as AgentFileRow;
}

export async function updateOrderIndex(
  tx: Executor,
  scope: TenantScope,
  agentId: string,
  fileId: string,
  orderIndex: number,
) {
  await tx
    .update(agentFiles)
    .set({ orderIndex })
    .where(and(ofAgent(scope, agentId), eq(agentFiles.fileId, fileId)));
}

export async function deleteAgentFile(tx: Executor, scope: TenantScope, agentId: string, fileId: string) {
  await tx.delete(agentFiles).where(and(ofAgent(scope, agentId), eq(agentFiles.fileId, fileId)));
}

/** One file an agent reads, as its knowledge source sees it. */
export interface KnowledgeFile {
  fileId: string;
  filename: string;
  contentId: string;
  status: (typeof fileContents.$inferSelect)['processingStatus'];
  charCount: number | null;
}

/** Every file the agent reads, in reading order (for its turns: no pagination). */
export async function knowledgeFilesOf(
  db: Executor,
  scope: TenantScope,
  agentId: string,
): Promise<KnowledgeFile[]> {
  return db
    .select({
      fileId: files.id,
      filename: files.filename,
      contentId: fileContents.id,
      status: fileContents.processingStatus,
      charCount: fileContents.charCount,
    })
    .from(agentFiles)
    .innerJoin(files, eq(files.id, agentFiles.fileId))
    .innerJoin(fileContents, eq(fileContents.id, files.contentId))
    .where(ofAgent(scope, agentId))
    .orderBy(asc(agentFiles.orderIndex), asc(agentFiles.createdAt), asc(agentFiles.id));
}

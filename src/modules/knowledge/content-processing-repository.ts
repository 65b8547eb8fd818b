import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { type ContentFinding, type ContentRow, fileContents, files } from './knowledge-tables.ts';

/**
 * Asks for a content's first extraction: the first attachment of a content that was never
 * processed takes processing number 1 and gets to enqueue the job (in its own transaction);
 * every later attachment finds the number taken and reuses what that extraction produces.
 */
export async function requestFirstProcessing(tx: Executor, scope: TenantScope, contentId: string) {
  const [row] = await tx
    .update(fileContents)
    .set({ processingAttempt: 1 })
    .where(
      and(
        inScope(fileContents.organizationId, scope),
        eq(fileContents.id, contentId),
        eq(fileContents.processingAttempt, 0),
      ),
    )
    .returning({ attempt: fileContents.processingAttempt });
  return row?.attempt ?? null;
}

/**
 * Claims a content for the extraction numbered `attempt`: only while the row still holds that
 * number and has not finished. A redelivered job (its worker was killed) claims it again.
 */
export async function claimProcessing(
  db: Executor,
  scope: TenantScope,
  contentId: string,
  attempt: number,
): Promise<ContentRow | undefined> {
  const [row] = await db
    .update(fileContents)
    .set({ processingStatus: 'processing', processingError: null })
    .where(
      and(
        inScope(fileContents.organizationId, scope),
        eq(fileContents.id, contentId),
        eq(fileContents.processingAttempt, attempt),
        inArray(fileContents.processingStatus, ['pending', 'processing']),
      ),
    )
    .returning();
  return row;
}

export type ProcessingOutcome =
  | {
      status: 'processed';
      charCount: number;
      pageCount: number | null;
      chunkCount: number;
      findings: ContentFinding[];
    }
  | { status: 'failed'; error: string; findings: ContentFinding[] };

/** Records how the extraction numbered `attempt` ended; false when a newer one holds the row. */
export async function recordProcessing(
  tx: Executor,
  scope: TenantScope,
  contentId: string,
  attempt: number,
  outcome: ProcessingOutcome,
): Promise<boolean> {
  const common = {
    processedAt: new Date(),
    findings: sql`${fileContents.findings} || ${JSON.stringify(outcome.findings)}::jsonb`,
  };
  const rows = await tx
    .update(fileContents)
    .set(
      outcome.status === 'processed'
        ? {
            ...common,
            processingStatus: 'processed',
            processingError: null,
            charCount: outcome.charCount,
            pageCount: outcome.pageCount,
            chunkCount: outcome.chunkCount,
          }
        : { ...common, processingStatus: 'failed', processingError: outcome.error },
    )
    .where(
      and(
        inScope(fileContents.organizationId, scope),
        eq(fileContents.id, contentId),
        eq(fileContents.processingAttempt, attempt),
        eq(fileContents.processingStatus, 'processing'),
      ),
    )
    .returning({ id: fileContents.id });
  return rows.length > 0;
}

/** The ids of the files that name a content, for the events its processing publishes. */
export async function filesOfContent(db: Executor, scope: TenantScope, contentId: string): Promise<string[]> {
  const rows = await db
    .select({ id: files.id })
    .from(files)
    .where(and(inScope(files.organizationId, scope), eq(files.contentId, contentId)));
  return rows.map((row) => row.id);
}

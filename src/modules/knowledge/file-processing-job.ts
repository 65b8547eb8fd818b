import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { backgroundPrincipal, type Principal } from '../tenancy/index.ts';
import { replaceChunks } from './chunk-repository.ts';
import {
  claimProcessing,
  filesOfContent,
  type ProcessingOutcome,
  recordProcessing,
} from './content-processing-repository.ts';
import { chunkSections } from './extraction/chunking.ts';
import { extractInWorker } from './extraction/extract-in-worker.ts';
import { type Extraction, ExtractionError, type ExtractionLimits } from './extraction/extraction.ts';
import type { ContentFinding, ContentRow } from './knowledge-tables.ts';

export const FILE_PROCESSING_QUEUE = 'file-processing';
/** The live event of every step of a content's extraction (docs/events.md). */
export const FILE_PROCESSING_EVENT = 'file-processing-updated';
const RETRY_LIMIT = 2;
/** Progress events of one extraction are at most this frequent. */
const PROGRESS_INTERVAL_MS = 500;

/** One extraction request: the content and the request number it must still hold. */
export interface FileProcessingJob {
  organizationId: string;
  contentId: string;
  attempt: number;
}

export interface FileProcessingOptions {
  db: Database;
  blobs: BlobStore;
  events: Pick<EventPublisher, 'publish'>;
  limits: ExtractionLimits;
  /** Where the blob is copied for the extraction worker to read. */
  workDirectory: string;
  /** Findings in extracted text refuse the file (UPLOAD_SUSPICIOUS=reject) instead of flagging it. */
  rejectSuspicious: boolean;
  /** After the chunks are stored: their vectors, when the organization has an embedding model. */
  embedContent(principal: Principal, contentId: string, signal: AbortSignal): Promise<unknown>;
  /** After chunks were stored: keeps the full-text statistics that ranking relies on current. */
  refreshStatistics(): Promise<unknown>;
  onEmbeddingError(error: unknown, contentId: string): void;
}

/**
 * Extracts a content's text in a worker thread (time limit, memory bound), splits it into chunks
 * and stores them with the content's outcome in one transaction (DESIGN 7b). At-least-once
 * delivery: only the request number the row still holds acts; a job whose worker was killed
 * claims the content again, so nothing stays `processing`. A file the extraction refuses (too
 * big, malformed, hostile) ends `failed` with the reason; only unexpected errors are retried, and
 * the last retry records a failure too.
 */
export function fileProcessingJob(options: FileProcessingOptions): JobDefinition<FileProcessingJob> {
  const { db, events } = options;

  async function announce(
    scope: TenantScope,
    contentId: string,
    data: { processing_status: string; error?: string | null; progress?: { done: number; total: number } },
  ) {
    const fileIds = await filesOfContent(db, scope, contentId);
    await events.publish({
      type: FILE_PROCESSING_EVENT,
      organization_id: scope.organizationId,
      data: { content_id: contentId, file_ids: fileIds, ...data },
    });
  }

  async function extract(content: ContentRow, scope: TenantScope, signal: AbortSignal): Promise<Extraction> {
    await mkdir(options.workDirectory, { recursive: true });
    const path = join(options.workDirectory, `extract-${randomUUID()}`);
    let lastProgress = 0;
    try {
      await pipeline(await options.blobs.open(content.storageKey), createWriteStream(path, { mode: 0o600 }));
      return await extractInWorker(path, content.kind, options.limits, {
        signal,
        onProgress: (progress) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
          lastProgress = now;
          void announce(scope, content.id, { processing_status: 'processing', progress }).catch(() => {});
        },
      });
    } finally {
      await rm(path, { force: true });
    }
  }

  async function finish(
    scope: TenantScope,
    job: FileProcessingJob,
    outcome: ProcessingOutcome,
    chunks = [] as ReturnType<typeof chunkSections>,
  ) {
    const recorded = await db
      .transaction(async (tx) => {
        if (outcome.status === 'processed') await replaceChunks(tx, scope, job.contentId, chunks);
        const stored = await recordProcessing(tx, scope, job.contentId, job.attempt, outcome);
        // A newer request holds the content: its chunks are not ours to replace.
        if (!stored) tx.rollback();
        return stored;
      })
      .catch((error: unknown) => {
        if (isRollback(error)) return false;
        throw error;
      });
    if (recorded) {
      await announce(scope, job.contentId, {
        processing_status: outcome.status,
        error: outcome.status === 'failed' ? outcome.error : null,
      });
    }
    return recorded;
  }

  return {
    queue: {
      name: FILE_PROCESSING_QUEUE,
      options: {
        retryLimit: RETRY_LIMIT,
        retryDelay: 5,
        retryBackoff: true,
        expireInSeconds: Math.ceil(options.limits.timeoutMs / 1000) + 120,
      },
      deadLetter: true,
    },
    handle: async (job) => {
      const scope = { organizationId: job.data.organizationId };
      const content = await claimProcessing(db, scope, job.data.contentId, job.data.attempt);
      if (!content) return;
      await announce(scope, content.id, { processing_status: 'processing', progress: { done: 0, total: 0 } });
      let extraction: Extraction;
      try {
        extraction = await extract(content, scope, job.signal);
      } catch (error) {
        // Aborted by the queue (a shutdown past its grace): not the file's fault, so the job's retry
        // extracts it again rather than the file failing.
        if (error instanceof ExtractionError && !job.signal.aborted) {
          await finish(scope, job.data, { status: 'failed', error: error.message, findings: [] });
          return;
        }
        if (job.attempt >= RETRY_LIMIT) {
          await finish(scope, job.data, {
            status: 'failed',
            error: 'The extraction failed unexpectedly; upload the file again',
            findings: [],
          });
        }
        throw error;
      }
      const findings: ContentFinding[] = extraction.findings;
      const suspicious = findings.filter((finding) => finding.code === 'suspicious_content');
      if (options.rejectSuspicious && suspicious.length > 0) {
        await finish(scope, job.data, {
          status: 'failed',
          error: `Refused: the document contains suspicious content (${suspicious[0]?.message})`,
          findings,
        });
        return;
      }
      const chunks = chunkSections(extraction.sections);
      const last = chunks.at(-1);
      const outcome: ProcessingOutcome = {
        status: 'processed',
        charCount: last ? last.position.charStart + last.text.length : 0,
        pageCount: extraction.pageCount,
        chunkCount: chunks.length,
        findings,
      };
      if (!(await finish(scope, job.data, outcome, chunks))) return;
      await options.refreshStatistics();
      try {
        const principal = backgroundPrincipal({
          organizationId: scope.organizationId,
          trigger: 'file-processing',
          role: 'readonly',
        });
        await options.embedContent(principal, content.id, job.signal);
      } catch (error) {
        // The content is searchable by its words already; its vectors come with the next re-embedding.
        options.onEmbeddingError(error, content.id);
      }
    },
  };
}

const isRollback = (error: unknown) => error instanceof Error && error.name === 'TransactionRollbackError';

import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import type { MemoryEmbeddings } from './memory-embeddings.ts';

export const MEMORY_EMBEDDING_QUEUE = 'memory-embedding';
/** The trigger of the background principal memories are embedded under. */
const MEMORY_EMBEDDING_TRIGGER = 'memory-embedding';

export interface MemoryEmbeddingJob {
  organizationId: string;
  /** The memories one write stored; null for all of the organization's (after a model change). */
  memoryIds: string[] | null;
}

/** Enqueues the embedding of memories (or of all the organization's, for null), in the writer's transaction. */
export const requestMemoryEmbedding = (
  queue: Pick<JobQueue, 'send'>,
  scope: TenantScope,
  memoryIds: readonly string[] | null,
  tx?: Executor,
) =>
  queue.send<MemoryEmbeddingJob>(
    MEMORY_EMBEDDING_QUEUE,
    { organizationId: scope.organizationId, memoryIds: memoryIds ? [...memoryIds] : null },
    tx ? { tx } : {},
  );

/**
 * Embeds memories with their organization's model (memory-embeddings.ts). Idempotent: what
 * already has an embedding of the model for its content is skipped, so a retry (or a redelivery)
 * continues where the last attempt stopped; a failing provider fails the job, which is retried,
 * then given up (dead letter) while recall stays full-text for the memories concerned.
 */
export function memoryEmbeddingJob(
  embeddings: Pick<MemoryEmbeddings, 'embed'>,
): JobDefinition<MemoryEmbeddingJob> {
  return {
    queue: {
      name: MEMORY_EMBEDDING_QUEUE,
      options: { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 3_600 },
      deadLetter: true,
    },
    concurrency: 2,
    handle: async (job) => {
      await embeddings.embed(
        backgroundPrincipal({
          organizationId: job.data.organizationId,
          trigger: MEMORY_EMBEDDING_TRIGGER,
          role: 'readonly',
        }),
        job.data.memoryIds,
        job.signal,
      );
    },
  };
}

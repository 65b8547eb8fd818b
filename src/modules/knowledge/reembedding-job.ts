import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { JobQueue, SendOptions } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import type { ChunkEmbeddings } from './chunk-embeddings.ts';

export const REEMBEDDING_QUEUE = 'knowledge-reembedding';

interface ReembeddingJob {
  organizationId: string;
}

/** Enqueues the embedding of an organization's chunks again, in the transaction that changed its model. */
export const requestReembedding = (
  queue: Pick<JobQueue, 'send'>,
  scope: TenantScope,
  tx: SendOptions['tx'],
) =>
  queue.send<ReembeddingJob>(
    REEMBEDDING_QUEUE,
    { organizationId: scope.organizationId },
    { tx, singletonKey: scope.organizationId },
  );

/**
 * Embeds an organization's chunks with its new embedding model (and drops the old model's
 * vectors). Resumable: a retry embeds only what is still missing, and a newer change of the
 * setting stops an older run.
 */
export function reembeddingJob(
  embeddings: Pick<ChunkEmbeddings, 'reembedOrganization'>,
): JobDefinition<ReembeddingJob> {
  return {
    queue: {
      name: REEMBEDDING_QUEUE,
      options: { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 3_600 },
      deadLetter: true,
    },
    handle: async (job) => {
      await embeddings.reembedOrganization(
        backgroundPrincipal({
          organizationId: job.data.organizationId,
          trigger: 'knowledge-reembedding',
          role: 'readonly',
        }),
        job.signal,
      );
    },
  };
}

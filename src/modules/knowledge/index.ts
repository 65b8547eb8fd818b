import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { StorageSettings } from '../../config.ts';
import { openBlobStore } from '../../platform/blobs/open-blob-store.ts';
import type { Database, Transaction } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { GuardedFetch } from '../../platform/llm/model-factory.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AgentAttachments } from '../agents/index.ts';
import type { TurnRegistry } from '../execution/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { agentFileRoutes } from './agent-file-routes.ts';
import { createAgentFileService } from './agent-file-service.ts';
import { agentFileStorage } from './agent-file-storage.ts';
import { type ActiveModel, createChunkEmbeddings, type ResolveConnection } from './chunk-embeddings.ts';
import { wholeTexts } from './chunk-repository.ts';
import { defaultExtractionLimits } from './extraction/extraction.ts';
import { fileProcessingJob } from './file-processing-job.ts';
import { fileRoutes } from './file-routes.ts';
import { createFileService } from './file-service.ts';
import { createKnowledgeSource } from './knowledge-context-source.ts';
import { searchKnowledge } from './knowledge-search.ts';
import { createKnowledgeSettingsService } from './knowledge-settings.ts';
import { knowledgeSettingsRoutes } from './knowledge-settings-routes.ts';
import { analyzeChunksIfGrown } from './lexeme-statistics.ts';
import { reembeddingJob, requestReembedding } from './reembedding-job.ts';
import { receiveUpload } from './upload-intake.ts';
import { prepareVectorSupport, type VectorSupport, vectorSupportMessage } from './vector-support.ts';
import { sweepStaleWorkFiles } from './work-directory.ts';

export type { ActiveModel as EmbeddingModel } from './chunk-embeddings.ts';
export { EMBEDDING_BATCH_SIZE } from './embeddings.ts';
export { fileProjectMembers } from './file-project-members.ts';
export { contentDisposition } from './safe-filename.ts';
export {
  createVectorIndexes,
  storableDimensions,
  typedEmbedding,
  underVectorSetupLock,
  type VectorSupport,
} from './vector-support.ts';

/**
 * The organization's embedding model (its knowledge settings) as other modules embed with it:
 * memories are embedded, and recalled, with the same model as the organization's chunks.
 */
export interface OrganizationEmbeddings {
  /** Whether this database stores vectors (pgvector), and why. */
  vectorSupport: VectorSupport;
  /** The organization's model; null without one or without vector support. */
  activeModel(scope: TenantScope): Promise<ActiveModel | null>;
  /** Embeds texts with that model, in batches; each provider call fails after `timeoutMs`. */
  embed(
    principal: Principal,
    model: ActiveModel,
    texts: readonly string[],
    call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
    onBatch?: (start: number, vectors: number[][]) => Promise<void>,
  ): Promise<number[][]>;
  /** `listener` runs inside the transaction that changes an organization's model, to enqueue work with it. */
  onModelChanged(listener: (tx: Transaction, scope: TenantScope) => Promise<void>): void;
}

/** How long one embedding call may take. */
const EMBEDDING_TIMEOUT_MS = 60_000;

import { type KnowledgeSearch, knowledgeSearchRoutes } from './knowledge-search-routes.ts';

export interface KnowledgeOptions {
  db: Database;
  guard: AccessGuard;
  queue: JobQueue;
  jobs: JobRegistry;
  events: Pick<EventBus, 'publish' | 'watch'>;
  turnRegistry: TurnRegistry;
  attachments: AgentAttachments;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  /** An embedding provider's connection, from the providers module. */
  resolveConnection: ResolveConnection;
  /** The outbound guard's fetch: embedding calls go to organizations' own endpoints. */
  fetch: GuardedFetch;
  storage: StorageSettings;
  dataDir: string;
  settings: {
    maxUploadBytes: number;
    agentFileLimit: number;
    suspiciousContent: 'flag' | 'reject';
    extraction: { timeoutMs: number; memoryMb: number; concurrency: number };
  };
}

/**
 * Knowledge files (seed 000 phase 3): uploads kept in the blob store, attached to agents,
 * extracted in the background, chunked and indexed, and read by every turn through the knowledge
 * context source.
 */
export async function registerKnowledge(app: FastifyInstance, options: KnowledgeOptions) {
  const { db } = options;
  const blobs = openBlobStore(options.storage);
  const vectorSupport = await prepareVectorSupport(db);
  app.log.info({ retrieval_mode: vectorSupport.mode }, vectorSupportMessage(vectorSupport));
  const embeddings = createChunkEmbeddings({
    db,
    resolveConnection: options.resolveConnection,
    vectorSupport,
    fetch: options.fetch,
    timeoutMs: EMBEDDING_TIMEOUT_MS,
  });
  /** Full-text and, when the organization embeds its chunks, vector ranks; full-text alone should the embedding fail. */
  async function rankedPassages(principal: Principal, agentId: string, query: string, k: number) {
    const queryVector = await embeddings.queryVector(principal, query).catch((error: unknown) => {
      app.log.warn({ err: error }, 'embedding a question failed: searching by its words only');
      return null;
    });
    const hits = await searchKnowledge(db, principal, { agentId, query, k, queryVector });
    return { mode: queryVector ? ('hybrid' as const) : ('full-text' as const), hits };
  }
  const knowledge = createKnowledgeSource({
    db,
    search: async (principal, agentId, query, k) => (await rankedPassages(principal, agentId, query, k)).hits,
    wholeTexts: (scope, contentIds) => wholeTexts(db, scope, contentIds),
  });
  options.events.watch(knowledge.watcher);
  options.turnRegistry.addContextSource(knowledge.source);

  const agentFiles = createAgentFileService({
    db,
    queue: options.queue,
    attachments: options.attachments,
    requireAgent: options.requireAgent,
    agentFileLimit: options.settings.agentFileLimit,
    onAttachmentsChanged: knowledge.forget,
  });
  const files = createFileService({
    db,
    blobs,
    events: options.events,
    agentFiles,
    isReadableAgent: options.requireAgent,
    suspiciousContent: options.settings.suspiciousContent,
    onBlobRemovalError: (error, storageKey) =>
      app.log.warn({ err: error, storage_key: storageKey }, 'removing a deleted file’s blob failed'),
  });
  const search: KnowledgeSearch = async (principal, agentId, query, k) => {
    await options.requireAgent(principal, agentId);
    return rankedPassages(principal, agentId, query, k);
  };
  const modelListeners: ((tx: Transaction, scope: TenantScope) => Promise<void>)[] = [];
  const settings = createKnowledgeSettingsService({
    db,
    resolveConnection: options.resolveConnection,
    vectorSupport,
    onEmbeddingModelChanged: async (tx, scope) => {
      await requestReembedding(options.queue, scope, tx);
      for (const listener of modelListeners) await listener(tx, scope);
    },
  });

  const workDirectory = join(options.dataDir, 'tmp');
  void sweepStaleWorkFiles(workDirectory).catch((error: unknown) =>
    app.log.warn({ err: error }, 'sweeping the work directory failed'),
  );
  await app.register(
    fileRoutes(files, options.guard, {
      maxUploadBytes: options.settings.maxUploadBytes,
      directory: workDirectory,
    }),
    { prefix: '/api/v1' },
  );
  await app.register(agentFileRoutes(agentFiles, options.guard, options.settings.agentFileLimit), {
    prefix: '/api/v1',
  });
  await app.register(knowledgeSearchRoutes(search, options.guard), { prefix: '/api/v1' });
  await app.register(knowledgeSettingsRoutes(settings, options.guard), { prefix: '/api/v1' });

  const extraction = options.settings.extraction;
  const job = fileProcessingJob({
    db,
    blobs,
    events: options.events,
    limits: { ...defaultExtractionLimits, timeoutMs: extraction.timeoutMs, memoryMb: extraction.memoryMb },
    workDirectory,
    rejectSuspicious: options.settings.suspiciousContent === 'reject',
    embedContent: embeddings.embedContent,
    refreshStatistics: () => analyzeChunksIfGrown(db),
    onEmbeddingError: (error, contentId) =>
      app.log.warn({ err: error, content_id: contentId }, 'embedding a file’s chunks failed'),
  });
  options.jobs.add({ ...job, concurrency: extraction.concurrency });
  options.jobs.add(reembeddingJob(embeddings));
  const organizationEmbeddings: OrganizationEmbeddings = {
    vectorSupport,
    activeModel: embeddings.activeModel,
    embed: embeddings.embedWith,
    onModelChanged: (listener) => void modelListeners.push(listener),
  };
  return {
    embeddings: organizationEmbeddings,
    /** The organization's uploads as their readers see them (403/404), e.g. the files analysis runs read. */
    files: { get: files.get, download: files.download, remove: files.remove },
    /** An agent's attached files (agent files: export and import). */
    agentFiles: { list: agentFiles.list, attach: agentFiles.attach },
    /** Stores bytes as an upload of them would be: the same limit (413), screening and deduplication. */
    storeBytes: async (
      principal: Principal,
      file: { filename: string; purpose: string; bytes: Uint8Array },
    ) => {
      const received = await receiveUpload(Readable.from([file.bytes]), {
        directory: workDirectory,
        maxBytes: options.settings.maxUploadBytes,
      });
      return files.create(principal, { ...received, declaredName: file.filename, purpose: file.purpose });
    },
    fileStorage: agentFileStorage(db, blobs, (error) =>
      app.log.error({ err: error }, 'the file storage failed its health check'),
    ),
  };
}

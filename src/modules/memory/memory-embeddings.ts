import type { Logger } from 'pino';
import type { Database, Executor, Transaction } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import {
  createVectorIndexes,
  EMBEDDING_BATCH_SIZE,
  type EmbeddingModel,
  type OrganizationEmbeddings,
  storableDimensions,
  type VectorSupport,
} from '../knowledge/index.ts';
import { backgroundPrincipal, type Principal } from '../tenancy/index.ts';
import { requestMemoryEmbedding } from './memory-embeddings-job.ts';
import {
  type MemoryToEmbed,
  memoriesToEmbed,
  removeOtherMemoryEmbeddings,
  storeMemoryEmbeddings,
} from './memory-embeddings-repository.ts';
import { MEMORY_EMBEDDINGS } from './memory-embeddings-table.ts';

export interface MemoryEmbeddingsOptions {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  /** The organization's embedding model (its knowledge settings), from the knowledge module. */
  models: Pick<OrganizationEmbeddings, 'activeModel' | 'embed'>;
  /** Whether `memory_embeddings` exists (prepareMemoryEmbeddings). */
  vectorSupport: VectorSupport;
  log: Pick<Logger, 'warn'>;
}

/** Enqueues the embedding of memories a writer stored, inside the writer's transaction. */
export type EmbeddingRequest = (tx: Executor, memoryIds: readonly string[]) => Promise<void>;

/** How long embedding a message for a recall may take: a turn waits for it. */
export const QUERY_EMBEDDING_TIMEOUT_MS = 3_000;
/** After a failed message embedding, the organization's recalls are full-text for this long (no waiting on a failing provider). */
export const QUERY_EMBEDDING_PAUSE_MS = 30_000;
/** How long a process reuses an organization's model for recalls (a change applies within this). */
const MODEL_CACHE_MS = 30_000;
const CACHED_ORGANIZATIONS = 10_000;
/** A memory this old without an embedding of its organization's model is missing one: repaired. */
export const MISSING_AFTER_MS = 10 * 60_000;
/** How often a process asks for an organization's missing embeddings to be made, at most. */
const REPAIR_INTERVAL_MS = 10 * 60_000;
/** Memories read per round: a few provider calls' worth. */
const MEMORIES_PER_ROUND = EMBEDDING_BATCH_SIZE * 4;
/** The start of a message that is embedded: embedding models take a few thousand tokens at most. */
const MAX_QUERY_CHARS = 8_000;

/** A per-process map of organizations to a value, bounded in size (the oldest entry goes first). */
function organizationMap<Value>() {
  const entries = new Map<string, Value>();
  return {
    get: (organizationId: string) => entries.get(organizationId),
    set(organizationId: string, value: Value) {
      entries.delete(organizationId);
      if (entries.size >= CACHED_ORGANIZATIONS) entries.delete(entries.keys().next().value as string);
      entries.set(organizationId, value);
    },
    delete: (organizationId: string) => void entries.delete(organizationId),
  };
}

/**
 * Memories' embeddings (docs/memory.md, "Vectors"): made in the background with the model of the
 * organization's knowledge settings, after each write and for every memory after a model change;
 * and the message's embedding at recall, with a short timeout. Nothing happens without vector
 * support or without a chosen model.
 */
export function createMemoryEmbeddings({ db, queue, models, vectorSupport, log }: MemoryEmbeddingsOptions) {
  const enabled = vectorSupport.mode === 'hybrid';
  const ensureVectorIndex = createVectorIndexes(MEMORY_EMBEDDINGS);
  const cachedModels = organizationMap<{ model: EmbeddingModel | null; until: number }>();
  const pausedUntil = organizationMap<number>();
  const repairedAt = organizationMap<number>();
  // The message is embedded for the organization, as its memories are: the caller's own key or
  // project does not choose the organization's embedding provider.
  const principalOf = (scope: TenantScope) =>
    backgroundPrincipal({ organizationId: scope.organizationId, trigger: 'memory-recall', role: 'readonly' });

  async function embedPage(
    principal: Principal,
    model: EmbeddingModel,
    page: MemoryToEmbed[],
    signal?: AbortSignal,
  ) {
    await models.embed(
      principal,
      model,
      page.map((memory) => memory.content),
      { signal },
      async (start, vectors) => {
        await ensureVectorIndex(db, storableDimensions(model.model, vectors));
        const batch = page.slice(start, start + vectors.length);
        await storeMemoryEmbeddings(
          db,
          principal,
          model.key,
          batch.map((memory, index) => ({ memory, vector: vectors[index] as number[] })),
        );
      },
    );
  }

  return {
    enabled,

    /** The organization's model for recalls, reused per process for `MODEL_CACHE_MS`; null without one. */
    async currentModel(scope: TenantScope): Promise<EmbeddingModel | null> {
      if (!enabled) return null;
      const cached = cachedModels.get(scope.organizationId);
      if (cached && cached.until > Date.now()) return cached.model;
      const model = await models.activeModel(scope);
      cachedModels.set(scope.organizationId, { model, until: Date.now() + MODEL_CACHE_MS });
      return model;
    },

    /**
     * For a writer, before its transaction (no query may run beside one on PGlite): a function
     * enqueuing the embedding of what it stores, or null when the organization embeds nothing.
     */
    async requester(scope: TenantScope): Promise<EmbeddingRequest | null> {
      if (!enabled || !(await models.activeModel(scope))) return null;
      return async (tx, memoryIds) => {
        if (memoryIds.length > 0) await requestMemoryEmbedding(queue, scope, memoryIds, tx);
      };
    },

    /**
     * The organization's model changed (inside the transaction that changed it): every memory is
     * embedded again with the new one, and the old one's vectors removed.
     */
    async modelChanged(tx: Transaction, scope: TenantScope): Promise<void> {
      cachedModels.delete(scope.organizationId);
      if (enabled) await requestMemoryEmbedding(queue, scope, null, tx);
    },

    /**
     * Embeds the given memories (or, for null, removes the embeddings of other models and embeds
     * every memory of the organization) that have no embedding of the current model for their
     * content, page by page. Idempotent; an organization-wide run stops when the model changes
     * again meanwhile, since the change queues its own.
     */
    async embed(
      principal: Principal,
      memoryIds: readonly string[] | null,
      signal?: AbortSignal,
    ): Promise<number> {
      if (!enabled) return 0;
      const model = await models.activeModel(principal);
      if (memoryIds === null) await removeOtherMemoryEmbeddings(db, principal, model?.key ?? null);
      if (!model || memoryIds?.length === 0) return 0;
      let embedded = 0;
      let afterId: string | null = null;
      for (;;) {
        signal?.throwIfAborted();
        const page = await memoriesToEmbed(db, principal, {
          model: model.key,
          memoryIds,
          afterId,
          limit: MEMORIES_PER_ROUND,
        });
        if (page.length === 0) return embedded;
        await embedPage(principal, model, page, signal);
        embedded += page.length;
        afterId = (page.at(-1) as MemoryToEmbed).id;
        if (memoryIds === null && (await models.activeModel(principal))?.key !== model.key) return embedded;
      }
    },

    /**
     * The message's embedding by `model`, or null when embedding it fails or failed within
     * `QUERY_EMBEDDING_PAUSE_MS`: the recall then goes on with full text, and the failure is
     * logged (once per pause). Never throws.
     */
    async queryVector(scope: TenantScope, model: EmbeddingModel, message: string): Promise<number[] | null> {
      if ((pausedUntil.get(scope.organizationId) ?? 0) > Date.now()) return null;
      try {
        const [vector] = await models.embed(principalOf(scope), model, [message.slice(0, MAX_QUERY_CHARS)], {
          timeoutMs: QUERY_EMBEDDING_TIMEOUT_MS,
        });
        return vector ?? null;
      } catch (error) {
        pausedUntil.set(scope.organizationId, Date.now() + QUERY_EMBEDDING_PAUSE_MS);
        log.warn(
          { err: error, organization_id: scope.organizationId, embedding_model: model.key },
          'embedding a message for memory recall failed: memories are recalled by full text only for 30 s',
        );
        return null;
      }
    },

    /**
     * A recall met memories older than `MISSING_AFTER_MS` without an embedding of the current
     * model (stored before it was chosen, or whose job was lost or gave up): asks, at most every
     * `REPAIR_INTERVAL_MS` per process, for the organization's missing embeddings to be made.
     * Off the turn's path: the request is not awaited.
     */
    noticeMissing(scope: TenantScope): void {
      const last = repairedAt.get(scope.organizationId);
      if (!enabled || (last !== undefined && Date.now() - last < REPAIR_INTERVAL_MS)) return;
      repairedAt.set(scope.organizationId, Date.now());
      requestMemoryEmbedding(queue, scope, null).catch((error: unknown) =>
        log.warn(
          { err: error, organization_id: scope.organizationId },
          'asking for missing memory embeddings failed',
        ),
      );
    },
  };
}

export type MemoryEmbeddings = ReturnType<typeof createMemoryEmbeddings>;

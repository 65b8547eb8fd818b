import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { GuardedFetch } from '../../platform/llm/model-factory.ts';
import type { ProviderConnection } from '../../platform/llm/provider-connection.ts';
import type { Principal } from '../tenancy/index.ts';
import { chunksToEmbed, removeOtherEmbeddings, storeEmbeddings } from './embedding-repository.ts';
import { EMBEDDING_BATCH_SIZE, embedTexts } from './embeddings.ts';
import type { QueryVector } from './knowledge-search.ts';
import { type EmbeddingChoice, findKnowledgeSettings } from './knowledge-settings-repository.ts';
import { createVectorIndexes, storableDimensions, type VectorSupport } from './vector-support.ts';

/** The providers module's resolution of a provider's connection (key decrypted) for a principal. */
export type ResolveConnection = (principal: Principal, providerId: string) => Promise<ProviderConnection>;

export interface ChunkEmbeddingsOptions {
  db: Database;
  resolveConnection: ResolveConnection;
  vectorSupport: VectorSupport;
  /** The outbound guard's fetch: provider URLs are user-supplied. */
  fetch: GuardedFetch;
  /** Each embedding call (one batch of texts) fails after this long. */
  timeoutMs: number;
}

/** The start of a question that is embedded: embedding models take a few thousand tokens at most. */
const MAX_QUESTION_CHARS = 8_000;
/** Chunks read per round: a few provider calls' worth. */
const CHUNKS_PER_ROUND = EMBEDDING_BATCH_SIZE * 4;

/** An embedding model in use: the organization chose one, and this database stores vectors. */
export interface ActiveModel {
  providerId: string;
  model: string;
  /**
   * What stored vectors are labelled with (`knowledge_chunk_embeddings.model`): the provider and
   * the model, since the same model name on two providers need not give comparable vectors.
   */
  key: string;
}

const sameChoice = (first: EmbeddingChoice, second: EmbeddingChoice | undefined) =>
  first.embeddingProviderId === second?.embeddingProviderId &&
  first.embeddingModel === second?.embeddingModel;

/**
 * Embeddings of an organization's chunks with the model of its knowledge settings: after a
 * content's extraction, again for every chunk when the setting changes, and of a question at
 * search time. Nothing happens without vector support or without a chosen model.
 */
export function createChunkEmbeddings({
  db,
  resolveConnection,
  vectorSupport,
  fetch,
  timeoutMs,
}: ChunkEmbeddingsOptions) {
  const ensureVectorIndex = createVectorIndexes();

  const activeOf = (settings: EmbeddingChoice | undefined): ActiveModel | null =>
    vectorSupport.mode === 'hybrid' && settings?.embeddingProviderId && settings.embeddingModel
      ? {
          providerId: settings.embeddingProviderId,
          model: settings.embeddingModel,
          key: `${settings.embeddingProviderId}/${settings.embeddingModel}`,
        }
      : null;
  const activeModel = async (scope: TenantScope) => activeOf(await findKnowledgeSettings(db, scope));

  async function store(
    principal: Principal,
    active: ActiveModel,
    chunks: { id: string }[],
    vectors: number[][],
  ) {
    await ensureVectorIndex(db, storableDimensions(active.model, vectors));
    await storeEmbeddings(
      db,
      principal,
      active.key,
      vectors.map((vector, index) => ({ chunkId: (chunks[index] as { id: string }).id, vector })),
    );
  }

  /**
   * Embeds the chunks without an embedding of the active model, page by page, until none is left
   * (or `stillActive` says the choice changed). Returns how many chunks were embedded.
   */
  async function embedMissing(
    principal: Principal,
    active: ActiveModel,
    options: { contentId?: string; signal?: AbortSignal | undefined; stillActive?: () => Promise<boolean> },
  ): Promise<number> {
    const connection = await resolveConnection(principal, active.providerId);
    let embedded = 0;
    let afterId: string | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const chunks = await chunksToEmbed(db, principal, {
        model: active.key,
        contentId: options.contentId,
        afterId,
        limit: CHUNKS_PER_ROUND,
      });
      if (chunks.length === 0) return embedded;
      await embedTexts(
        connection,
        active.model,
        chunks.map((chunk) => chunk.text),
        { fetch, timeoutMs, signal: options.signal },
        (start, vectors) => store(principal, active, chunks.slice(start, start + vectors.length), vectors),
      );
      embedded += chunks.length;
      afterId = (chunks.at(-1) as { id: string }).id;
      if (options.stillActive && !(await options.stillActive())) return embedded;
    }
  }

  return {
    /** The organization's model, null without one or without vector support (memories use it too). */
    activeModel,

    /**
     * Embeds texts with a model `activeModel` gave, in batches (embeddings.ts), each call failing
     * after `timeoutMs` (this service's own timeout unless given): how memories are embedded.
     */
    async embedWith(
      principal: Principal,
      active: ActiveModel,
      texts: readonly string[],
      call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
      onBatch?: (start: number, vectors: number[][]) => Promise<void>,
    ): Promise<number[][]> {
      const connection = await resolveConnection(principal, active.providerId);
      return embedTexts(
        connection,
        active.model,
        texts,
        { fetch, timeoutMs: call.timeoutMs ?? timeoutMs, signal: call.signal },
        onBatch,
      );
    },

    /**
     * Embeds a content's chunks with the organization's model, if one is set and vectors are
     * supported; the processing job calls it after storing the chunks. Idempotent: chunks that
     * already have an embedding of the model are skipped, so a retry continues where it stopped.
     * Returns how many chunks were embedded.
     */
    async embedContent(principal: Principal, contentId: string, signal?: AbortSignal): Promise<number> {
      const active = await activeModel(principal);
      if (!active) return 0;
      return embedMissing(principal, active, { contentId, signal });
    },

    /**
     * Brings the organization's embeddings in line with its settings after a change: removes the
     * vectors of other models (all of them when no model is set), then embeds every chunk that has
     * none of the current model. Resumable (a retry skips what is done); stops early when the
     * setting changes again meanwhile, since the change queues its own run.
     */
    async reembedOrganization(
      principal: Principal,
      signal: AbortSignal,
    ): Promise<{ embedded: number; removed: number }> {
      if (vectorSupport.mode !== 'hybrid') return { embedded: 0, removed: 0 };
      const settings = await findKnowledgeSettings(db, principal);
      const active = activeOf(settings);
      const removed = await removeOtherEmbeddings(db, principal, active?.key ?? null);
      if (!active || !settings) return { embedded: 0, removed };
      const stillActive = async () => sameChoice(settings, await findKnowledgeSettings(db, principal));
      return { embedded: await embedMissing(principal, active, { signal, stillActive }), removed };
    },

    /**
     * The question's embedding by the organization's model, for `searchKnowledge`; null when
     * retrieval is full-text only. Throws when the provider fails: the caller may search with
     * full text alone.
     */
    async queryVector(
      principal: Principal,
      question: string,
      signal?: AbortSignal,
    ): Promise<QueryVector | null> {
      const active = await activeModel(principal);
      if (!active) return null;
      const connection = await resolveConnection(principal, active.providerId);
      const [vector] = await embedTexts(connection, active.model, [question.slice(0, MAX_QUESTION_CHARS)], {
        fetch,
        timeoutMs,
        signal,
      });
      return vector ? { model: active.key, vector } : null;
    },
  };
}

export type ChunkEmbeddings = ReturnType<typeof createChunkEmbeddings>;

import { embedMany } from 'ai';
import { createEmbeddingModel, type GuardedFetch } from '../../platform/llm/model-factory.ts';
import type { ProviderConnection } from '../../platform/llm/provider-connection.ts';

/** Texts per provider call: OpenAI takes 2,048, local servers are happier with fewer. */
export const EMBEDDING_BATCH_SIZE = 64;

export interface EmbeddingCall {
  /** Every request goes through the outbound guard. */
  fetch: GuardedFetch;
  /** Each provider call (one batch) fails after this long. */
  timeoutMs: number;
  /** Stops the work between and within calls (a job's cancellation, a turn's deadline). */
  signal?: AbortSignal | undefined;
}

/**
 * Embeds texts with an organization's provider and model, `EMBEDDING_BATCH_SIZE` texts per call,
 * in order: the vectors come back in the order of the texts. `onBatch` receives each batch's
 * vectors as it arrives, so a long run keeps its progress when a later call fails.
 */
export async function embedTexts(
  connection: ProviderConnection,
  modelId: string,
  texts: readonly string[],
  call: EmbeddingCall,
  onBatch?: (start: number, vectors: number[][]) => Promise<void>,
): Promise<number[][]> {
  const model = createEmbeddingModel(connection, modelId, call.fetch);
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += EMBEDDING_BATCH_SIZE) {
    call.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const { embeddings } = await embedMany({
      model,
      values: texts.slice(start, start + EMBEDDING_BATCH_SIZE),
      maxRetries: 1,
      abortSignal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout,
    });
    await onBatch?.(start, embeddings);
    vectors.push(...embeddings);
  }
  return vectors;
}

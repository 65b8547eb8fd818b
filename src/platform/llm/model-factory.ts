import { createHash } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import { BadRequestError } from '../http/errors.ts';
import { createOfflineModel } from './offline-model.ts';
import { defaultBaseUrls, type ProviderConnection, type ProviderType } from './provider-connection.ts';

/** A fetch that enforces the outbound guard (every user-supplied URL goes through it). */
export type GuardedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** What every AI SDK provider is built with: the explicit key, the endpoint, the guarded fetch. */
const sdkOptionsOf = (connection: ProviderConnection, fetch: GuardedFetch) => ({
  apiKey: connection.apiKey ?? '',
  baseURL: connection.baseUrl ?? defaultBaseUrls[connection.type],
  sdkFetch: fetch as typeof globalThis.fetch,
});

/**
 * The AI SDK model for a provider connection and model id. The key is passed explicitly (never
 * picked up from the environment by the SDK) and every request goes through the guarded fetch.
 */
export function createLanguageModel(
  connection: ProviderConnection,
  modelId: string,
  fetch: GuardedFetch,
): LanguageModelV4 {
  const { apiKey, baseURL, sdkFetch } = sdkOptionsOf(connection, fetch);
  switch (connection.type) {
    case 'offline':
      return createOfflineModel();
    case 'openai':
      return createOpenAI({ apiKey, baseURL, fetch: sdkFetch, name: connection.name }).chat(modelId);
    case 'anthropic':
      return createAnthropic({ apiKey, baseURL, fetch: sdkFetch })(modelId);
    case 'ollama':
    case 'openai_compatible':
      if (!baseURL) throw new Error(`Provider ${connection.name} has no base URL`);
      return createOpenAICompatible({
        name: connection.name,
        baseURL,
        ...(apiKey ? { apiKey } : {}),
        fetch: sdkFetch,
        includeUsage: true,
      }).chatModel(modelId);
  }
}

/** The provider types that serve embeddings (OpenAI's `/embeddings`, which Ollama and compatible servers speak too). */
export const embeddingProviderTypes: readonly ProviderType[] = ['openai', 'ollama', 'openai_compatible'];

const embeddingsUnsupported = (connection: ProviderConnection) =>
  new BadRequestError(
    'embeddings_unsupported',
    `The provider "${connection.name}" (${connection.type}) has no embedding models: choose an OpenAI, Ollama or OpenAI-compatible provider`,
    { provider_id: connection.id, type: connection.type },
  );

/** Refuses (400 embeddings_unsupported) a provider whose type has no embedding models. */
export function assertServesEmbeddings(connection: ProviderConnection): void {
  if (!embeddingProviderTypes.includes(connection.type)) throw embeddingsUnsupported(connection);
}

/**
 * The AI SDK embedding model for a provider connection and model id, built like
 * `createLanguageModel` (explicit key, guarded fetch). Throws 400 embeddings_unsupported for a
 * provider type without embeddings (anthropic, offline).
 */
export function createEmbeddingModel(
  connection: ProviderConnection,
  modelId: string,
  fetch: GuardedFetch,
): EmbeddingModelV4 {
  const { apiKey, baseURL, sdkFetch } = sdkOptionsOf(connection, fetch);
  switch (connection.type) {
    case 'openai':
      return createOpenAI({ apiKey, baseURL, fetch: sdkFetch, name: connection.name }).embedding(modelId);
    case 'ollama':
    case 'openai_compatible':
      if (!baseURL) throw new Error(`Provider ${connection.name} has no base URL`);
      return createOpenAICompatible({
        name: connection.name,
        baseURL,
        ...(apiKey ? { apiKey } : {}),
        fetch: sdkFetch,
      }).embeddingModel(modelId);
    case 'anthropic':
    case 'offline':
      throw embeddingsUnsupported(connection);
  }
}

/** Built models remembered per process; the least recently used is forgotten first when full. */
export const MODEL_CACHE_SIZE = 256;

/** Keys are hashed once per connection object (connections are cached by the providers module). */
const fingerprints = new WeakMap<ProviderConnection, string>();
function fingerprint(connection: ProviderConnection): string {
  let known = fingerprints.get(connection);
  if (known === undefined) {
    known =
      connection.apiKey === null ? '' : createHash('sha256').update(connection.apiKey).digest('base64url');
    fingerprints.set(connection, known);
  }
  return known;
}

/**
 * `createLanguageModel` with the models it built remembered: building one (its provider settings,
 * its response schemas) costs more than a turn's own work, and a model holds no state between
 * calls. A model is remembered under everything it was built from (provider id, type, name, base
 * URL, a hash of the key, model id), so a provider whose key, URL or name changes gets a new one at
 * its next turn; the old one is forgotten as others are used.
 */
export function createLanguageModelCache(fetch: GuardedFetch, maxEntries = MODEL_CACHE_SIZE) {
  const models = new Map<string, LanguageModelV4>();
  return {
    get(connection: ProviderConnection, modelId: string): LanguageModelV4 {
      const key = [
        connection.id,
        connection.type,
        connection.name,
        connection.baseUrl ?? '',
        fingerprint(connection),
        modelId,
      ].join('\u0000');
      let model = models.get(key);
      if (model) {
        // Most recently used last: the first key is the one to forget.
        models.delete(key);
      } else {
        model = createLanguageModel(connection, modelId, fetch);
        if (models.size >= maxEntries) models.delete(models.keys().next().value as string);
      }
      models.set(key, model);
      return model;
    },
    get size() {
      return models.size;
    },
  };
}

import { createHash } from 'node:crypto';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { createOfflineModel } from './offline-model.ts';
import { defaultBaseUrls, type ProviderConnection } from './provider-connection.ts';

/** A fetch that enforces the outbound guard (every user-supplied URL goes through it). */
export type GuardedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The AI SDK model for a provider connection and model id. The key is passed explicitly (never
 * picked up from the environment by the SDK) and every request goes through the guarded fetch.
 */
export function createLanguageModel(
  connection: ProviderConnection,
  modelId: string,
  fetch: GuardedFetch,
): LanguageModelV4 {
  const apiKey = connection.apiKey ?? '';
  const baseURL = connection.baseUrl ?? defaultBaseUrls[connection.type];
  const sdkFetch = fetch as typeof globalThis.fetch;
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

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

import type { ServiceOverrides } from '../resilience/service-policy.ts';

export const providerTypes = ['openai', 'anthropic', 'ollama', 'openai_compatible', 'offline'] as const;
export type ProviderType = (typeof providerTypes)[number];

/**
 * Everything needed to call one LLM provider: the providers module resolves it (decrypting the
 * key) and hands it to the model factory; nothing else ever holds a provider's key.
 */
export interface ProviderConnection {
  id: string;
  name: string;
  type: ProviderType;
  /** Null means the provider type's public default. */
  baseUrl: string | null;
  apiKey: string | null;
  /**
   * The provider's own retry and circuit-breaker settings over the LLM_* defaults; absent for the
   * operator's providers and the offline model, which keep the defaults.
   */
  resilience?: ServiceOverrides;
}

/** The public endpoint of each hosted provider type; self-hosted types must name theirs. */
export const defaultBaseUrls: Partial<Record<ProviderType, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  ollama: 'http://127.0.0.1:11434/v1',
};

import type { ProviderType } from '../../platform/llm/provider-connection.ts';

/**
 * The form a base URL is stored in: no trailing slash, and for Ollama the OpenAI-compatible API
 * under /v1 when only the server is named (`http://host:11434`, as Ollama's own docs write it).
 */
export function normalizeBaseUrl(type: ProviderType, baseUrl: string | null): string | null {
  if (baseUrl === null) return null;
  const trimmed = baseUrl.replace(/\/+$/, '');
  if (type !== 'ollama') return trimmed;
  const url = URL.parse(trimmed);
  return url && (url.pathname === '/' || url.pathname === '') ? `${trimmed}/v1` : trimmed;
}

/** A URL carrying credentials would show them wherever the URL is shown. */
export const hasCredentials = (value: string) => {
  const url = URL.parse(value);
  return Boolean(url && (url.username || url.password));
};

import { z } from 'zod';
import { OutboundBlockedError } from '../../platform/http/outbound-guard.ts';
import { defaultBaseUrls, type ProviderType } from '../../platform/llm/provider-connection.ts';
import type { ProviderModel } from './provider-tables.ts';

/** What a validation probes: one endpoint, with the key the provider expects. */
export interface ProbeTarget {
  type: ProviderType;
  /** Null means the type's default endpoint. */
  baseUrl: string | null;
  apiKey: string | null;
}

export type ProbeResult =
  | { status: 'connected'; models: ProviderModel[] }
  | { status: 'error'; error: string; models: ProviderModel[] };

export type ProbeFetch = (url: string, init: RequestInit) => Promise<Response>;

/** What the built-in offline model offers; it needs no probe. */
export const offlineModels: ProviderModel[] = [{ id: 'agentry-offline', name: 'Offline model' }];

const ANTHROPIC_VERSION = '2023-06-01';
/** A model list beyond this is cut: it is shown in pickers, not used to route requests. */
const MAX_MODELS = 1_000;
/** Enough for any real model list; a larger answer is not a model list. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_LENGTH = 500;

const modelListSchema = z.object({
  data: z
    .array(
      z.object({
        id: z.string().min(1).max(500),
        display_name: z.string().max(500).optional(),
        name: z.string().max(500).optional(),
      }),
    )
    .max(100_000),
});

/** The endpoint a provider is called at: its own base URL or its type's default. */
export function effectiveBaseUrl(target: Pick<ProbeTarget, 'type' | 'baseUrl'>): string | null {
  return target.baseUrl ?? defaultBaseUrls[target.type] ?? null;
}

function requestFor(target: ProbeTarget, base: string): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.type === 'anthropic') {
    headers['anthropic-version'] = ANTHROPIC_VERSION;
    if (target.apiKey) headers['x-api-key'] = target.apiKey;
  } else if (target.apiKey) {
    headers.authorization = `Bearer ${target.apiKey}`;
  }
  return { url: `${base.replace(/\/+$/, '')}/models`, init: { method: 'GET', headers } };
}

/** Reads at most `limit` bytes of the body; undefined when it is longer. */
async function readText(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The message in the error bodies of OpenAI, Anthropic and Ollama, or the start of the text. */
function providerMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const error = body.error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return (error as { message: string }).message;
    }
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: the text itself is the best description there is.
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function describeHttpError(status: number, message: string): string {
  const detail = message ? `: ${message}` : '';
  if (status === 401) return `The provider rejected the API key (HTTP 401${detail})`;
  if (status === 403) return `The provider refused access with this API key (HTTP 403${detail})`;
  if (status === 404) {
    return `The provider has no model list at this base URL (HTTP 404${detail}); check the base URL`;
  }
  return `The provider answered HTTP ${status}${detail}`;
}

/** Why a request failed before any answer, in words: refused connection, unknown host, timeout. */
function describeNetworkError(error: unknown, host: string, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `No answer from ${host} within ${Number((timeoutMs / 1000).toFixed(1))} seconds`;
  if (error instanceof OutboundBlockedError) return error.message;
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name could not be resolved',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'the host is unreachable',
    CERT_HAS_EXPIRED: 'its TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  };
  const reason =
    (typeof code === 'string' && reasons[code]) ||
    (cause instanceof Error ? cause.message : 'the request failed');
  return `Could not reach ${host}: ${reason}`;
}

/** The key must never be stored or shown, even when a provider echoes it in an error. */
function withoutKey(text: string, apiKey: string | null): string {
  const clean = apiKey ? text.split(apiKey).join('[redacted]') : text;
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

/**
 * Checks that a provider answers with this key: lists its models (`GET {base}/models`, which
 * OpenAI, Anthropic, Ollama's OpenAI-compatible API and most compatible servers offer). A provider
 * failure is a result written for the person who configured it, never an exception.
 */
export async function probeProvider(
  target: ProbeTarget,
  options: { fetch: ProbeFetch; timeoutMs: number; signal?: AbortSignal },
): Promise<ProbeResult> {
  if (target.type === 'offline') return { status: 'connected', models: offlineModels };
  const fail = (error: string): ProbeResult => ({
    status: 'error',
    error: withoutKey(error, target.apiKey),
    models: [],
  });
  const base = effectiveBaseUrl(target);
  if (!base) return fail('The provider has no base URL');
  const { url, init } = requestFor(target, base);
  const host = URL.parse(url)?.host ?? 'the provider';
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;

  let response: Response;
  let text: string | undefined;
  try {
    response = await options.fetch(url, { ...init, signal });
    text = await readText(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    // The job stopping (shutdown, expiry) is not a verdict on the provider: let the job retry.
    if (options.signal?.aborted) throw error;
    return fail(describeNetworkError(error, host, options.timeoutMs, timeout.aborted));
  }
  if (text === undefined) return fail(`The answer of ${host} is larger than a model list can be`);
  if (!response.ok) return fail(describeHttpError(response.status, providerMessage(text)));

  let parsed: z.infer<typeof modelListSchema>;
  try {
    parsed = modelListSchema.parse(JSON.parse(text));
  } catch {
    return fail(`${host} answered, but not with a model list: is the base URL an API endpoint?`);
  }
  const models = parsed.data.slice(0, MAX_MODELS).map((model): ProviderModel => {
    const name = model.display_name ?? model.name;
    return name && name !== model.id ? { id: model.id, name } : { id: model.id };
  });
  return { status: 'connected', models };
}

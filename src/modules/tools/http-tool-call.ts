import { AppError } from '../../platform/http/errors.ts';
import { REDACTED } from '../../platform/http/field-value.ts';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import { retryAfterHeaderMs } from '../../platform/resilience/retry.ts';
import {
  type CircuitBreakerConfig,
  policyOf,
  type RetryConfig,
  type ServicePolicy,
} from '../../platform/resilience/service-policy.ts';
import { shortenText } from '../../platform/text/shorten.ts';
import type { ServiceCalls } from '../services/index.ts';
import { fillBody, fillHeaderValue, fillUrl, type ToolArguments } from './http-tool-templates.ts';
import type { HttpToolRequest } from './tool-tables.ts';

/** An HTTP tool as a call needs it: its request and its secret header values, opened. */
export interface HttpToolDefinition {
  id: string;
  organizationId: string;
  name: string;
  request: HttpToolRequest;
  secretHeaders: Record<string, string>;
  retryConfig: RetryConfig | null;
  circuitBreakerConfig: CircuitBreakerConfig | null;
}

/** What the model reads of a successful call: the status and the body (parsed when it is JSON). */
export interface HttpToolResult {
  status: number;
  body: unknown;
}

/** A failed call, worded for the model and the test endpoint; `retryable` for network failures, 429 and 5xx. */
export class HttpToolCallError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number | undefined }) {
    super(message);
    this.name = 'HttpToolCallError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** How much of an error response the model is shown. */
const EXCERPT_BYTES = 2_048;
const EXCERPT_CHARACTERS = 300;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const isJsonType = (contentType: string | null) => /[/+]json\s*(;|$)/i.test(contentType ?? '');

/** At most `limit` bytes of the body, and whether there was more (then the rest is not downloaded). */
async function readAtMost(response: Response, limit: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), complete: true };
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks).subarray(0, limit), complete: false };
    }
  }
}

/** Why a connection failed, from fetch's `cause` (e.g. connect ECONNREFUSED 203.0.113.7:443). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Every secret value replaced, in strings and in keys, however deep. */
function redacted(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  const redactText = (text: string) =>
    secrets.reduce((result, secret) => result.replaceAll(secret, REDACTED), text);
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') return redactText(item);
    if (Array.isArray(item)) return item.map(visit);
    if (item && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [redactText(key), visit(child)]));
    }
    return item;
  };
  return visit(value);
}

function requestOf(tool: HttpToolDefinition, args: ToolArguments): { url: string; init: RequestInit } {
  const { request } = tool;
  const headers: Record<string, string> = { accept: 'application/json, text/*;q=0.9, */*;q=0.8' };
  for (const [name, template] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = fillHeaderValue(name, template, args);
  }
  for (const [name, value] of Object.entries(tool.secretHeaders)) headers[name.toLowerCase()] = value;
  let body: string | undefined;
  if (request.body_template !== null) body = fillBody(request.body_template, args);
  else if (BODY_METHODS.has(request.method)) body = JSON.stringify(args);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return {
    url: fillUrl(request.url_template, args),
    init: {
      method: request.method,
      headers,
      body,
      // A redirect could carry secret headers to a host the tenant never named: a tool with
      // secret headers gets the redirect as its answer (an error naming it) instead.
      redirect: Object.keys(tool.secretHeaders).length > 0 ? 'manual' : 'follow',
    },
  };
}

/**
 * Calls HTTP tools: the placeholders filled from the arguments, through the outbound guard (the
 * resolved address checked, every redirect re-checked), with the tool's timeout, retries and
 * circuit breaker. The body is read up to the tool's max_response_bytes, no further. Secret
 * header values never appear in what it returns or throws, even when the target echoes them.
 */
export function createHttpToolCaller(options: {
  fetch: OutboundGuard['fetch'];
  services: ServiceCalls;
  /** The operator's defaults (settings.resilience), under each tool's own retry and breaker settings. */
  defaults: ServicePolicy;
}) {
  async function attempt(
    url: string,
    init: RequestInit,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<HttpToolResult> {
    const host = URL.parse(url)?.host ?? 'the target';
    let response: Response;
    try {
      response = await options.fetch(url, { ...init, signal });
    } catch (error) {
      // Timeouts and cancellations are the caller's to name; a refusal of the guard is final.
      if (signal.aborted || error instanceof AppError) throw error;
      throw new HttpToolCallError(`Could not reach ${host}: ${networkReason(error)}`, { retryable: true });
    }
    try {
      if (!response.ok) {
        const { bytes } = await readAtMost(response, EXCERPT_BYTES);
        const excerpt = shortenText(bytes.toString('utf8'), EXCERPT_CHARACTERS);
        const location = response.headers.get('location');
        const redirect =
          response.status >= 300 && response.status < 400 && location
            ? ` (redirected to ${location}: a tool with secret headers does not follow redirects)`
            : '';
        throw new HttpToolCallError(
          `${host} answered HTTP ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ''}`,
          {
            retryable: response.status === 429 || response.status >= 500,
            retryAfterMs: retryAfterHeaderMs(response.headers.get('retry-after')),
          },
        );
      }
      const { bytes, complete } = await readAtMost(response, maxBytes);
      if (!complete) {
        throw new HttpToolCallError(
          `The response of ${host} is larger than the tool's max_response_bytes (${maxBytes} bytes): it was not read`,
          { retryable: false },
        );
      }
      const text = bytes.toString('utf8');
      if (!isJsonType(response.headers.get('content-type')) || text.trim() === '') {
        return { status: response.status, body: text };
      }
      try {
        return { status: response.status, body: JSON.parse(text) };
      } catch {
        return { status: response.status, body: text };
      }
    } catch (error) {
      if (signal.aborted || error instanceof HttpToolCallError) throw error;
      // The connection broke while the body was being read.
      throw new HttpToolCallError(`The response of ${host} was cut off: ${networkReason(error)}`, {
        retryable: true,
      });
    }
  }

  return async function callHttpTool(
    tool: HttpToolDefinition,
    args: ToolArguments,
    signal: AbortSignal,
  ): Promise<HttpToolResult> {
    const { url, init } = requestOf(tool, args);
    const policy = policyOf(options.defaults, {
      retryConfig: tool.retryConfig,
      circuitBreakerConfig: tool.circuitBreakerConfig,
      timeoutSeconds: tool.request.timeout_seconds,
    });
    const secrets = Object.values(tool.secretHeaders).filter((value) => value.length > 0);
    try {
      const result = await options.services.call(
        { organizationId: tool.organizationId, type: 'http_tool', id: tool.id, name: tool.name },
        policy,
        (attemptSignal) => attempt(url, init, tool.request.max_response_bytes, attemptSignal),
        {
          signal,
          isRetryable: (error) => error instanceof HttpToolCallError && error.retryable,
          retryAfterMs: (error) => (error instanceof HttpToolCallError ? error.retryAfterMs : undefined),
        },
      );
      return redacted(result, secrets) as HttpToolResult;
    } catch (error) {
      if (signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new HttpToolCallError(redacted(message, secrets) as string, { retryable: false });
    }
  };
}

export type HttpToolCaller = ReturnType<typeof createHttpToolCaller>;

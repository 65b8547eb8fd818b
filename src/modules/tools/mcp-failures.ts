import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { OutboundBlockedError } from '../../platform/http/outbound-guard.ts';
import { redactSecrets } from './mcp-credentials.ts';

/** Error texts about a server are stored, shown and sent to models: short, and never a secret. */
const MAX_DESCRIPTION = 500;

/** Node's codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const isTimeout = (error: unknown) =>
  (error instanceof Error && error.name === 'TimeoutError') ||
  (error instanceof McpError && error.code === ErrorCode.RequestTimeout);

/** Fetch's own network failure, the undici error inside it, or a socket's. */
function isNetworkFailure(error: unknown): boolean {
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  const code = codeOf(error);
  return code !== undefined && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'));
}

/**
 * Whether a call failed because the server could not be reached or the connection broke (worth
 * another attempt on a fresh connection), rather than because the server answered: a tool error
 * or a protocol error says nothing about the server's health.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof OutboundBlockedError) return false;
  if (isNetworkFailure(error) || isTimeout(error)) return true;
  if (error instanceof StreamableHTTPError) {
    // 404: the server forgot the session (it restarted); the rest: it is overloaded or broken.
    const status = error.code;
    return status === undefined || status === 404 || status === 408 || status === 429 || status >= 500;
  }
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return error instanceof Error && error.message === 'Not connected';
}

function cause(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function describeRaw(error: unknown, timeoutMs: number): string {
  if (error instanceof OutboundBlockedError) return error.message;
  if (isTimeout(error)) return `it did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const inner = cause(error);
    return `the connection failed (${inner instanceof Error ? inner.message : 'network error'})`;
  }
  if (error instanceof StreamableHTTPError) {
    if (error.code === 401 || error.code === 403) {
      return `it refused the credentials (HTTP ${error.code}); check the authentication`;
    }
    return error.code === undefined ? error.message : `it answered HTTP ${error.code}: ${error.message}`;
  }
  if (codeOf(error) === 'ENOENT') return 'its command could not be started (not found)';
  return error instanceof Error ? error.message : String(error);
}

/** What went wrong, for a person or a model: one line, at most 500 characters, secrets removed. */
export function describeFailure(error: unknown, options: { timeoutMs: number; secrets: readonly string[] }) {
  const text = redactSecrets(describeRaw(error, options.timeoutMs), options.secrets)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

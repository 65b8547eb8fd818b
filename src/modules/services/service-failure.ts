import { RetriesExhaustedError } from '../../platform/resilience/retry.ts';

/** The longest `last_error` kept for a service. */
const MAX_FAILURE_LENGTH = 300;

/**
 * Credentials a failure's text may echo: authorization schemes with their value, and long runs of
 * key-like characters (API keys, tokens). UUIDs go too; losing one in an error text is harmless.
 */
const SECRET_LIKE: [RegExp, string][] = [
  [/\b(bearer|basic|token)\s+\S+/gi, '$1 [redacted]'],
  [/[A-Za-z0-9_\-+=]{32,}/g, '[redacted]'],
];

function redacted(text: string): string {
  let clean = text;
  for (const [pattern, replacement] of SECRET_LIKE) clean = clean.replace(pattern, replacement);
  return clean.length > MAX_FAILURE_LENGTH ? `${clean.slice(0, MAX_FAILURE_LENGTH - 1)}…` : clean;
}

function causeOf(error: unknown): string {
  // An HTTP answer says enough by its status; its body is the service's text, which may name the
  // account of the operator whose provider several organizations share.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return `HTTP ${status}`;
  if (!(error instanceof Error)) return 'Unknown failure';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return redacted(typeof code === 'string' ? `${error.message} (${code})` : error.message);
}

/**
 * A failed call as a service's `last_error`: what failed, short and without secrets. Exhausted
 * retries keep their own words ("Gave up after 3 attempts") before the last attempt's cause.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof RetriesExhaustedError) {
    const attempts = error.attempts === 1 ? '1 attempt' : `${error.attempts} attempts`;
    return `Gave up after ${attempts}: ${causeOf(error.cause)}`;
  }
  return causeOf(error);
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/** What a browser page on an allowed origin may read of an answer besides the simple headers. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'x-total-count',
  'etag',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'allow',
].join(', ');
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** The request headers a page may send when its preflight does not name them. */
const DEFAULT_ALLOWED_HEADERS = 'authorization, content-type, if-match, x-request-id';
/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS_ORIGINS: comma-separated origins (`https://console.example.com`) whose pages may call the
 * API from a browser, or `*` for any. Empty, the default, sends no CORS headers at all.
 */
export const corsOriginsSetting = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .superRefine((entries, context) => {
    for (const entry of entries) {
      if (entry === '*') continue;
      const url = URL.parse(entry);
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry) {
        context.addIssue({
          code: 'custom',
          message: `Invalid CORS_ORIGINS entry "${entry}": expected an origin such as https://console.example.com, or *`,
        });
      }
    }
  });

/**
 * Answers browsers' cross-origin checks for the configured origins: the CORS headers on every
 * answer to an allowed origin, and preflights (OPTIONS with Access-Control-Request-Method)
 * answered 204 before any route, guard or not-found handler. Credentials are bearer tokens, never
 * cookies, so Access-Control-Allow-Credentials is not needed.
 */
export function registerCors(app: FastifyInstance, origins: string[]): void {
  if (origins.length === 0) return;
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    // The answer depends on the Origin header unless every origin gets the same one.
    if (!anyOrigin) reply.header('vary', 'Origin');
    if (!origin || !(anyOrigin || allowed.has(origin))) return;
    reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    const preflightMethod = request.headers['access-control-request-method'];
    if (request.method !== 'OPTIONS' || !preflightMethod) return;
    reply.header('access-control-allow-methods', ALLOWED_METHODS);
    reply.header(
      'access-control-allow-headers',
      request.headers['access-control-request-headers'] ?? DEFAULT_ALLOWED_HEADERS,
    );
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    return reply.code(204).send();
  });
}

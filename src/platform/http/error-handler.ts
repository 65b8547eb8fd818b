import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorBody, errorBodySchema } from './error-body.ts';
import { describeError, describeRefusedRequest, type ErrorDescription } from './error-description.ts';
import { type OpenAiErrorBody, openAiErrorBodySchema, toOpenAiErrorBody } from './openai-error-body.ts';
import { recordRouteMethods } from './route-methods.ts';
import { seedErrorCodeFor } from './seed-error-codes.ts';

export interface ErrorHandlingOptions {
  /**
   * Routes under this path prefix (the OpenAI-compatible facade) answer errors in OpenAI's body,
   * so that OpenAI clients raise their typed errors; every other route uses the standard body.
   */
  openAiCompatiblePrefix?: string | undefined;
}

/**
 * The body of an error in the format of the route it answers: OpenAI's under the prefix, else the
 * standard one, which also names the error's class in seed 004's ErrorCode where one applies.
 */
function errorBodyFor(
  description: ErrorDescription,
  { path, requestId }: { path: string; requestId: string },
  options: ErrorHandlingOptions,
): ErrorBody | OpenAiErrorBody {
  if (options.openAiCompatiblePrefix && path.startsWith(options.openAiCompatiblePrefix)) {
    return toOpenAiErrorBody(description);
  }
  const seedErrorCode = seedErrorCodeFor(description.code, description.status);
  return {
    error: true,
    code: description.code,
    ...(seedErrorCode ? { error_code: seedErrorCode } : {}),
    message: description.message,
    details: description.details,
    correlation_id: requestId,
    timestamp: new Date().toISOString(),
    path,
    ...(description.validation_errors ? { validation_errors: description.validation_errors } : {}),
  };
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  description: ErrorDescription,
  options: ErrorHandlingOptions,
) {
  if (description.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(description.retryAfterSeconds));
  }
  reply.code(description.status).type('application/json');
  const path = request.url.split('?')[0] ?? request.url;
  return reply.send(errorBodyFor(description, { path, requestId: request.id }, options));
}

/**
 * Fastify's `frameworkErrors` option: requests its router refuses before any route or hook runs
 * (a malformed percent-encoding 400, a path parameter past the router's length limit 414).
 */
export function frameworkErrorHandler(options: ErrorHandlingOptions = {}) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    // The onRequest hook that puts the id on every other response does not run for these.
    reply.header('x-request-id', request.id);
    send(reply, request, describeError(error), options);
  };
}

/** How long a refused connection may take to read its answer and go. */
const REFUSED_CONNECTION_LINGER_MS = 5_000;

/** The path of the request line at the start of a raw packet, when it starts with one: at most 2 KB of it. */
function requestPathIn(rawPacket: unknown): string {
  if (!Buffer.isBuffer(rawPacket)) return '';
  return /^[A-Z]+ (\/[^\s?]*)/.exec(rawPacket.toString('latin1', 0, 2048))?.[1] ?? '';
}

/**
 * Fastify's `clientErrorHandler` option: requests Node's HTTP parser refuses before Fastify sees
 * them (URL and headers too large 431, malformed HTTP 400, too slow 408), answered on the raw
 * socket in the same body as every other error, and the connection closed.
 */
export function clientErrorHandler(options: ErrorHandlingOptions = {}) {
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    // A reset connection has nobody left to answer; the parser reports each further chunk of a
    // refused request again, and the first report was answered.
    if (error.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    const description = describeRefusedRequest(error.code);
    const requestId = randomUUID();
    const body = JSON.stringify(
      errorBodyFor(description, { path: requestPathIn(error.rawPacket), requestId }, options),
    );
    socket.end(
      `HTTP/1.1 ${description.status} ${STATUS_CODES[description.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-ID: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    // Not destroyed at once: what the client still sends is read and dropped, so that it reads
    // the answer instead of a reset connection.
    socket.setTimeout(REFUSED_CONNECTION_LINGER_MS, () => socket.destroy());
  };
}

const unavailable =
  'Unavailable for now: the database cannot be reached (database_unavailable), the server is overloaded (overloaded) or shutting down (shutdown), or the model provider is (provider_unavailable and others); see Retry-After';

/**
 * Lists the 503 in the OpenAPI document of every API route (those under /api and the
 * OpenAI-compatible ones): each reads the database, so each may answer it.
 */
function documentUnavailable(app: FastifyInstance, options: ErrorHandlingOptions) {
  app.addHook('onRoute', (route) => {
    const response = (route.schema as { response?: Record<string | number, unknown> } | undefined)?.response;
    const openAi = options.openAiCompatiblePrefix && route.url.startsWith(options.openAiCompatiblePrefix);
    if (!response || !(openAi || route.url.startsWith('/api/'))) return;
    response[503] ??= (openAi ? openAiErrorBodySchema : errorBodySchema).describe(unavailable);
  });
}

/**
 * Maps every error to its body exactly once; raw internal errors never reach a client. Must be
 * registered before the routes (it documents the 503 every API route may answer, and learns the
 * methods of each path for the 405).
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  documentUnavailable(app, options);
  const methodsOf = recordRouteMethods(app);
  // Fastify parses text/plain bodies by default, so that a JSON route would refuse one field by
  // field (422); no route takes text/plain, and the honest answer is 415.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error, request, reply) => {
    const description = describeError(error, {
      body: request.body,
      querystring: request.query,
      params: request.params,
      headers: request.headers,
    });
    if (description.log === 'unexpected') request.log.error({ err: error }, 'unhandled error');
    if (description.log === 'error') request.log.error({ err: error }, description.message);
    return send(reply, request, description, options);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = methodsOf(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return send(
        reply,
        request,
        {
          status: 405,
          code: 'method_not_allowed',
          message: `${path} does not take ${request.method}: use ${allowed.join(', ')}`,
          details: { allowed_methods: allowed },
          log: 'none',
        },
        options,
      );
    }
    return send(
      reply,
      request,
      {
        status: 404,
        code: 'not_found',
        message: `Route ${request.method} ${path} not found`,
        details: null,
        log: 'none',
      },
      options,
    );
  });
}

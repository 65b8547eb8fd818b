import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './error-body.ts';
import { describeError, type ErrorDescription } from './error-description.ts';
import { toOpenAiErrorBody } from './openai-error-body.ts';

export interface ErrorHandlingOptions {
  /**
   * Routes under this path prefix (the OpenAI-compatible facade) answer errors in OpenAI's body,
   * so that OpenAI clients raise their typed errors; every other route uses the standard body.
   */
  openAiCompatiblePrefix?: string | undefined;
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  description: ErrorDescription,
  options: ErrorHandlingOptions,
) {
  const path = request.url.split('?')[0] ?? request.url;
  if (description.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(description.retryAfterSeconds));
  }
  reply.code(description.status).type('application/json');
  if (options.openAiCompatiblePrefix && path.startsWith(options.openAiCompatiblePrefix)) {
    return reply.send(toOpenAiErrorBody(description));
  }
  const body: ErrorBody = {
    error: true,
    code: description.code,
    message: description.message,
    details: description.details,
    correlation_id: request.id,
    timestamp: new Date().toISOString(),
    path,
    ...(description.validation_errors ? { validation_errors: description.validation_errors } : {}),
  };
  return reply.send(body);
}

/** Maps every error to its body exactly once; raw internal errors never reach a client. */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions = {}): void {
  app.setErrorHandler((error, request, reply) => {
    const description = describeError(error);
    if (description.log === 'unexpected') request.log.error({ err: error }, 'unhandled error');
    if (description.log === 'error') request.log.error({ err: error }, description.message);
    return send(reply, request, description, options);
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      request,
      {
        status: 404,
        code: 'not_found',
        message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
        details: null,
        log: 'none',
      },
      options,
    ),
  );
}

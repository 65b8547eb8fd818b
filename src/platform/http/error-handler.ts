import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody } from './error-body.ts';
import { AppError, ValidationError } from './errors.ts';

type Location = 'body' | 'querystring' | 'params' | 'headers';
type ValidationIssues = NonNullable<FastifyError['validation']>;

function fieldErrorsFrom(issues: ValidationIssues, location: Location) {
  return issues.flatMap((issue) => {
    const path = issue.instancePath.split('/').filter(Boolean).join('.');
    const keys = (issue.params as { keys?: unknown }).keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({
        field: path ? `${path}.${String(key)}` : String(key),
        location,
        message: 'unknown field',
      }));
    }
    return [{ field: path || location, location, message: issue.message ?? 'invalid value' }];
  });
}

function statusCodeOf(error: FastifyError): number | undefined {
  const status = error.statusCode;
  return status && status >= 400 && status < 500 ? status : undefined;
}

const codeForStatus: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  body: Omit<ErrorBody, 'error' | 'correlation_id' | 'timestamp' | 'path'>,
) {
  const full: ErrorBody = {
    error: true,
    ...body,
    correlation_id: request.id,
    timestamp: new Date().toISOString(),
    path: request.url.split('?')[0] ?? request.url,
  };
  return reply.code(status).type('application/json').send(full);
}

/** Maps every error to the standard body exactly once; raw internal errors never reach a client. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const location = (error.validationContext ?? 'body') as Location;
      return send(reply, request, 422, {
        code: 'validation_error',
        message: 'The request does not match the schema',
        details: null,
        validation_errors: fieldErrorsFrom(error.validation, location),
      });
    }
    if (error instanceof ValidationError) {
      return send(reply, request, 422, {
        code: error.code,
        message: error.message,
        details: error.details ?? null,
        validation_errors: error.fieldErrors.map(({ field, message }) => ({
          field,
          location: 'body',
          message,
        })),
      });
    }
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return send(reply, request, error.status, {
        code: error.code,
        message: error.message,
        details: error.details ?? null,
      });
    }
    const status = statusCodeOf(error);
    if (status) {
      return send(reply, request, status, {
        code: codeForStatus[status] ?? 'bad_request',
        message: error.message,
        details: null,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, request, 500, {
      code: 'internal_error',
      message: 'An internal error occurred; quote the correlation id when reporting it',
      details: null,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, {
      code: 'not_found',
      message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
      details: null,
    }),
  );
}

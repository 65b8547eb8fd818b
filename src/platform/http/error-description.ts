import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { DatabaseUnavailableError } from './database-unavailable-error.ts';
import type { ErrorBody } from './error-body.ts';
import { AppError, ValidationError } from './errors.ts';
import { reportedValue, reportedValueAt } from './field-value.ts';

type Location = 'body' | 'querystring' | 'params' | 'headers';
type ValidationIssues = NonNullable<FastifyError['validation']>;

/** What the caller sent, by where it sent it: the source of each validation error's `value`. */
export type SentInput = Partial<Record<Location, unknown>>;

/**
 * An error as its caller will see it, before it is written in one of the two body formats (the
 * standard one, or OpenAI's on the OpenAI-compatible routes). Deciding status and code once keeps
 * both formats in agreement.
 */
export interface ErrorDescription {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown> | null;
  validation_errors?: NonNullable<ErrorBody['validation_errors']>;
  retryAfterSeconds?: number | undefined;
  /** How the server logs it: Agentry's own faults and upstream failures as errors, callers' mistakes not at all. */
  log: 'unexpected' | 'error' | 'none';
}

function fieldErrorsFrom(issues: ValidationIssues, location: Location, sent: SentInput) {
  const input = sent[location];
  return issues.flatMap((issue) => {
    const path = issue.instancePath.split('/').filter(Boolean);
    const keys = (issue.params as { keys?: unknown }).keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => {
        const keyPath = [...path, String(key)];
        return {
          field: keyPath.join('.'),
          location,
          message: 'unknown field',
          value: reportedValueAt(input, keyPath),
        };
      });
    }
    return [
      {
        field: path.join('.') || location,
        location,
        message: issue.message ?? 'invalid value',
        value: reportedValueAt(input, path),
      },
    ];
  });
}

/**
 * A service's field errors: the value it gave, or else what was sent at the field (a service's
 * field is a dotted path into its location, the body unless it says otherwise).
 */
function serviceFieldErrorsFrom(error: ValidationError, sent: SentInput) {
  return error.fieldErrors.map((fieldError) => {
    const location = fieldError.location ?? 'body';
    const path = fieldError.field.split('.');
    return {
      field: fieldError.field,
      location,
      message: fieldError.message,
      value:
        'value' in fieldError ? reportedValue(fieldError.value, path) : reportedValueAt(sent[location], path),
    };
  });
}

function clientStatusOf(error: unknown): number | undefined {
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  return status && status >= 400 && status < 500 ? status : undefined;
}

const codeForStatus: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

/**
 * A request that Node's HTTP parser refused before Fastify saw it (the server's `clientError`):
 * its URL and headers past the size limit, too slow, or not HTTP at all.
 */
export function describeRefusedRequest(parserCode: string | undefined): ErrorDescription {
  const [status, message]: [number, string] =
    parserCode === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The URL and headers of the request are larger than the server accepts']
      : parserCode === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time']
        : [400, 'The request is not valid HTTP'];
  return { status, code: codeForStatus[status] ?? 'bad_request', message, details: null, log: 'none' };
}

/**
 * Maps every error to what the caller sees; raw internal errors never reach a client. `sent` is
 * the request's input, shown (redacted, shortened) as the `value` of each validation error.
 */
export function describeError(error: unknown, sent: SentInput = {}): ErrorDescription {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const location = (error.validationContext ?? 'body') as Location;
    return {
      status: 422,
      code: 'validation_error',
      message: 'The request does not match the schema',
      details: null,
      validation_errors: fieldErrorsFrom(error.validation, location, sent),
      log: 'none',
    };
  }
  if (error instanceof ValidationError) {
    return {
      status: 422,
      code: error.code,
      message: error.message,
      details: error.details ?? null,
      validation_errors: serviceFieldErrorsFrom(error, sent),
      log: 'none',
    };
  }
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      details: error.details ?? null,
      retryAfterSeconds: error.retryAfterSeconds,
      log: error.status >= 500 ? 'error' : 'none',
    };
  }
  // After AppError: a provider call that failed to connect is wrapped as the provider's failure.
  if (isDatabaseUnavailable(error)) return describeError(new DatabaseUnavailableError({ cause: error }));
  const status = clientStatusOf(error);
  if (status) {
    return {
      status,
      code: codeForStatus[status] ?? 'bad_request',
      message:
        status === 415
          ? `${(error as Error).message}: send the body as JSON with Content-Type: application/json (file uploads: multipart/form-data)`
          : (error as Error).message,
      details: null,
      log: 'none',
    };
  }
  return {
    status: 500,
    code: 'internal_error',
    message: 'An internal error occurred; quote the correlation id when reporting it',
    details: null,
    log: 'unexpected',
  };
}

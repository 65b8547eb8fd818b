import type { FastifyServerOptions } from 'fastify';
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino';
import { currentCorrelationId } from './correlation.ts';

/** Paths that may carry secrets; pino replaces them before a line is written. */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.api_key',
  '*.key',
  '*.token',
  // Provider keys: a connection object, a sealed column, the headers of an outbound call.
  '*.apiKey',
  '*.apiKeyCiphertext',
  '*.api_key_ciphertext',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/** Streaming routes accept `?access_token=`; it must not reach the logs with the URL. */
export const withoutAccessToken = (url: string) => url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]');

/** Drizzle's query errors end their message with the statement's parameters: values, not SQL. */
const queryParameters = /\nparams: [\s\S]*?(?=\n {4}at |$)/;

/**
 * An error as a log line shows it, without the parameters of a failed statement: they are the
 * values written or looked up (a password hash, a sealed provider key, a message's text), which
 * must not reach the logs; the statement and its cause (the database's own error) remain.
 */
function loggedError(error: Error) {
  const serialized = stdSerializers.err(error) as ReturnType<typeof stdSerializers.err> & {
    params?: unknown;
  };
  if (!('params' in serialized)) return serialized;
  const { params: _values, ...rest } = serialized;
  return {
    ...rest,
    message: rest.message.replace(queryParameters, ''),
    ...(rest.stack ? { stack: rest.stack.replace(queryParameters, '') } : {}),
  };
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
}

/** Marks Fastify's request loggers (and their children): they carry `request_id` already. */
const boundToRequest = Symbol('bound to a request');

/** Fastify's request loggers, marked so that the mixin below does not write `request_id` twice. */
export const requestChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => Object.assign(logger.child(bindings, options), { [boundToRequest]: true });

/**
 * Every line written while a request (or a job it sent) is handled carries its `request_id`,
 * whichever logger writes it: Fastify's request logger binds it, and the others get it here.
 */
function correlationOf(_line: object, _level: number, logger: object): object {
  if (boundToRequest in logger) return {};
  const requestId = currentCorrelationId();
  return requestId ? { request_id: requestId } : {};
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'agentry' },
    mixin: correlationOf,
    serializers: {
      err: loggedError,
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: withoutAccessToken(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

/**
 * A logger with the app's options, for the lines written outside it (the CLI, a server's start and
 * stop): every line a process writes is a JSON line. To standard output unless `destination` says.
 */
export function processLogger(level: string, destination?: DestinationStream | 1 | 2): Logger {
  const stream =
    destination === undefined || typeof destination === 'number'
      ? pino.destination({ fd: destination ?? 1, sync: true })
      : destination;
  return pino(loggerOptions(level), stream);
}

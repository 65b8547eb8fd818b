import type { LoggerOptions } from 'pino';

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

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'agentry' },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: withoutAccessToken(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const acceptableRequestId = /^[\w.:-]{1,128}$/;

/** The caller's id, under either usual name (seed 004 calls it the correlation id). */
const requestIdHeaders = ['x-request-id', 'x-correlation-id'] as const;

/** Reuses the caller's X-Request-ID (or X-Correlation-ID) when it is a sane token, so that ids correlate across systems. */
export function requestIdFor(request: IncomingMessage): string {
  for (const header of requestIdHeaders) {
    const incoming = request.headers[header];
    if (typeof incoming === 'string' && acceptableRequestId.test(incoming)) return incoming;
  }
  return randomUUID();
}

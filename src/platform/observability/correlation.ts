import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation id of the work in progress: the request id of the request being handled, or of
 * the request that sent the job being run (a job sent by no request has its own). Log lines,
 * jobs sent and outbound calls made while it is set carry it (docs/tracing.md).
 */
const correlation = new AsyncLocalStorage<string>();

/** The header outbound calls carry the correlation id in: the one Agentry itself accepts and answers. */
export const CORRELATION_HEADER = 'x-request-id';

/** Runs `work` (and everything it starts) under the correlation id `id`. */
export function withCorrelationId<T>(id: string, work: () => T): T {
  return correlation.run(id, work);
}

/** The correlation id of the work in progress, if any. */
export function currentCorrelationId(): string | undefined {
  return correlation.getStore();
}

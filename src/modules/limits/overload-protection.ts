import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { OverloadedError } from './limit-errors.ts';
import { OVERLOAD_RETRY_AFTER_SECONDS } from './turn-admissions.ts';

/** How often the event loop's delay is read: its mean over this interval is compared. */
const SAMPLE_INTERVAL_MS = 1_000;
/** The histogram's timer resolution, which every sample includes. */
const RESOLUTION_MS = 10;

/**
 * Sheds load while the event loop lags: API requests (under `apiPrefixes`) are answered 503
 * `overloaded` with Retry-After, before any work is done for them, for as long as the mean delay
 * of the last second exceeds `maxEventLoopDelayMs`. Probes and documents are still answered: a
 * liveness check must not fail because the process is busy.
 *
 * The delay is measured from the moment the server listens (like @fastify/under-pressure, but it
 * starts measuring at registration, so the loading of the server itself read as overload and
 * refused its first requests).
 */
export function registerOverloadProtection(
  app: FastifyInstance,
  options: { maxEventLoopDelayMs: number; apiPrefixes: string[] },
) {
  if (options.maxEventLoopDelayMs <= 0) return;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let delayMs = 0;
  let sampler: NodeJS.Timeout | undefined;

  app.addHook('onListen', async () => {
    histogram.enable();
    sampler = setInterval(() => {
      // No sample at all means the loop was blocked for the whole interval.
      delayMs = Number.isNaN(histogram.mean)
        ? Number.POSITIVE_INFINITY
        : histogram.mean / 1e6 - RESOLUTION_MS;
      histogram.reset();
    }, SAMPLE_INTERVAL_MS);
    sampler.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(sampler);
    histogram.disable();
  });
  app.addHook('onRequest', async (request) => {
    if (delayMs <= options.maxEventLoopDelayMs) return;
    const url = request.routeOptions.url ?? request.url;
    if (options.apiPrefixes.some((prefix) => url.startsWith(prefix))) {
      throw new OverloadedError(OVERLOAD_RETRY_AFTER_SECONDS);
    }
  });
}

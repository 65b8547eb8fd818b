import type { FastifyInstance } from 'fastify';
import type { Metrics, MetricsSources } from '../../platform/observability/metrics.ts';
import type { TurnRegistry } from '../execution/index.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { turnMetricsObserver } from './turn-metrics.ts';

/**
 * Prometheus metrics (docs/metrics.md): counts turns and their tool calls as they end, points the
 * scrape-time gauges at their sources, and serves GET /metrics on the API's port (with
 * METRICS_TOKEN). HTTP requests are timed by a hook registered before every route
 * (`registerHttpMetrics`), model calls where they are made, jobs by the queue's workers.
 */
export async function registerMetrics(
  app: FastifyInstance,
  options: {
    metrics: Metrics;
    /** METRICS_TOKEN: null leaves /metrics off on the API's port. */
    token: string | null;
    turnRegistry: Pick<TurnRegistry, 'addObserver'>;
    sources: MetricsSources;
  },
) {
  options.metrics.readFrom(options.sources);
  options.turnRegistry.addObserver(turnMetricsObserver(options.metrics));
  await app.register(metricsRoutes(options.metrics, options.token));
}

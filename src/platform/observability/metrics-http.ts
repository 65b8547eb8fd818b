import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';

/** The route label of requests no route matched: their raw URLs would make a series each. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every response by its route's pattern (`/api/v1/agents/:id`, never the URL itself, which
 * would make a series per id). Registered before the routes, so that it applies to all of them.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Pick<Metrics, 'httpRequest'>) {
  // A callback hook: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { AppError, UnauthorizedError } from '../../platform/http/errors.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { bearerMatches } from '../../platform/observability/metrics-access.ts';

const exampleExposition = [
  '# HELP agentry_turn_duration_seconds Turns by trigger and outcome (completed, failed, cancelled), and how long they took (_count: turns)',
  '# TYPE agentry_turn_duration_seconds histogram',
  'agentry_turn_duration_seconds_bucket{le="0.05",trigger="chat",outcome="completed"} 41',
  'agentry_turn_duration_seconds_count{trigger="chat",outcome="completed"} 42',
  '',
].join('\n');

/**
 * GET /metrics on the API's port, for Prometheus: answered only with `Authorization: Bearer
 * <METRICS_TOKEN>`; without METRICS_TOKEN it is off here (404 saying how to turn it on), and
 * METRICS_PORT serves it on a listener of its own instead (docs/metrics.md).
 */
export const metricsRoutes =
  (metrics: Pick<Metrics, 'scrape' | 'contentType'>, token: string | null): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['health'],
          operationId: 'getMetrics',
          summary: 'Prometheus metrics of this process',
          description:
            'The Prometheus text format: HTTP requests by route and status, turns by trigger and outcome, model ' +
            'calls with tokens, cost and errors, tool calls, queue depth and age, circuit breakers, the database ' +
            'pool and the process (event-loop lag, memory, CPU). Needs `Authorization: Bearer <METRICS_TOKEN>` ' +
            '(the operator’s setting, not a user’s token); 404 when METRICS_TOKEN is not set. See docs/metrics.md.',
          security: [{ metricsToken: [] }],
          produces: ['text/plain'],
          response: {
            200: z
              .string()
              .describe('Prometheus text exposition format 0.0.4')
              .meta({ example: exampleExposition }),
            401: errorBodySchema.describe('Missing or wrong metrics token'),
            404: errorBodySchema.describe('Metrics are not served on this port (code metrics_disabled)'),
          },
        },
      },
      async (request, reply) => {
        if (token === null) {
          throw new AppError(
            'metrics_disabled',
            'Metrics are not served on this port: set METRICS_TOKEN to scrape /metrics here with that bearer ' +
              'token, or METRICS_PORT to serve them on a listener of their own (docs/metrics.md)',
            { status: 404 },
          );
        }
        if (!bearerMatches(request.headers.authorization, token)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new UnauthorizedError(
            'A valid metrics token is required: Authorization: Bearer <METRICS_TOKEN>',
            'metrics_token_required',
          );
        }
        const text = await metrics.scrape();
        return reply
          .header('content-type', metrics.contentType)
          .header('cache-control', 'no-store')
          .send(text);
      },
    );
  };

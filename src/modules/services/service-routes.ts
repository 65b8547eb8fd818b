import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import type { ServiceHealth } from './service-health.ts';
import { listServiceHealthQuery, serviceHealthListView } from './service-schemas.ts';

/** The health of the organization's external services (docs/services.md). */
export const serviceRoutes =
  (health: ServiceHealth, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/health/services',
      {
        onRequest: guard('services:read'),
        schema: {
          tags: ['health'],
          security: bearerSecurity,
          operationId: 'listServiceHealth',
          summary: 'The health of every external service the organization uses, across processes',
          description:
            'Its model providers (its own and the operator’s it may use), MCP servers and HTTP tools, each with ' +
            'its circuit breaker and call counts as every process shares them (counts of other processes arrive ' +
            'within about a second). The built-in offline model is no service. Ordered by type, then name; ' +
            'paginated with limit/offset, X-Total-Count holds the total.',
          querystring: listServiceHealthQuery,
          response: { 200: serviceHealthListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await health.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );
  };

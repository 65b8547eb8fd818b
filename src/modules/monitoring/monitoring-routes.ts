import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { agentHealthView, agentMetricsView } from './monitoring-schemas.ts';
import type { MonitoringService } from './monitoring-service.ts';

export const monitoringRoutes =
  (monitoring: MonitoringService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['agents'], security: bearerSecurity, params: idParams };
    const read = guard('agents:read');

    app.get(
      '/agents/:id/health',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentHealth',
          summary: 'The agent’s health: its checks run now, and its runtime state',
          description:
            'Checks the configuration (a usable model), the database, the job queue and the file storage. See docs/monitoring.md.',
          response: { 200: agentHealthView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => monitoring.health(principalOf(request), request.params.id),
    );

    app.get(
      '/agents/:id/metrics',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentMetrics',
          summary: 'The agent’s performance, resources and health metrics, from its runs',
          description: 'Over the last 24 hours (the error rate: the last hour). See docs/monitoring.md.',
          response: { 200: agentMetricsView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => monitoring.metrics(principalOf(request), request.params.id),
    );
  };

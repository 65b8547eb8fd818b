import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { compareBody, comparisonView } from './comparison-schemas.ts';
import type { ComparisonService } from './comparison-service.ts';

/** A/B comparison of two analysis runs, computed on request. */
export const comparisonRoutes =
  (comparisons: ComparisonService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/analysis/comparisons',
      {
        onRequest: guard('agents:read'),
        // It reads and computes; it changes nothing.
        config: { rateClass: 'reads' },
        schema: {
          tags: ['analysis'],
          security: bearerSecurity,
          operationId: 'compareAnalysisRuns',
          summary:
            'Compare two completed runs over the same items: outputs side by side, agreement, tokens, cost, latency',
          description:
            'Both runs must be completed (409 analysis_run_not_completed) and have the same items in the same ' +
            'order (409 analysis_runs_not_comparable). Fields agree when their values are deeply equal. Computed ' +
            'on request, nothing is stored; `limit`/`offset` page the items, the totals cover them all.',
          body: compareBody,
          response: {
            200: comparisonView,
            404: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request) => comparisons.compare(principalOf(request), request.body),
    );
  };

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  actionListView,
  agentActionsQuery,
  listRunsQuery,
  runListView,
  runWithActionsView,
} from './run-schemas.ts';
import type { RunService } from './run-service.ts';

export const runRoutes =
  (runs: RunService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['runs'], security: bearerSecurity };
    const read = guard('runs:read');

    app.get(
      '/runs',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listRuns',
          summary: 'Runs of the organization’s agents, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listRunsQuery,
          response: { 200: runListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, ...filters } = request.query;
        const { items, total } = await runs.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/runs/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getRun',
          summary: 'A run with its actions (model calls, tool calls, the response), in order',
          params: idParams,
          response: { 200: runWithActionsView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => runs.get(principalOf(request), request.params.id),
    );

    app.get(
      '/agents/:id/actions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentActions',
          summary: 'The agent’s actions across its runs, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: agentActionsQuery,
          response: { 200: actionListView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, ...filters } = request.query;
        const { items, total } = await runs.listAgentActions(
          principalOf(request),
          request.params.id,
          filters,
          {
            limit,
            offset,
          },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );
  };

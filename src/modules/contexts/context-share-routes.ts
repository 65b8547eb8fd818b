import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  contextShareListView,
  contextShareView,
  listSharesQuery,
  shareContextBody,
  shareParams,
} from './context-schemas.ts';
import type { ContextShareService } from './context-share-service.ts';

/** Which other agents of the organization a context is shared with (docs/contexts.md, "Sharing"). */
export const contextShareRoutes =
  (shares: ContextShareService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['contexts'], security: bearerSecurity };
    const notFound = { 404: errorBodySchema };

    app.get(
      '/contexts/:id/shares',
      {
        onRequest: guard('agents:read'),
        schema: {
          ...common,
          operationId: 'listContextShares',
          summary: 'The agents a context is shared with, oldest share first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listSharesQuery,
          response: { 200: contextShareListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await shares.list(principalOf(request), request.params.id, request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.put(
      '/contexts/:id/shares/:agent_id',
      {
        onRequest: guard('agents:write'),
        schema: {
          ...common,
          operationId: 'shareContext',
          summary: 'Share a context with another agent, or change its access',
          description:
            'read: the agent’s turns see the context in their instructions and its read_context tool reads it; ' +
            'read_write: its write_context tool may also write it. The agent must be of your organization (403 ' +
            'for another’s, 404 for an unknown one); sharing with the owner is a 422.',
          params: shareParams,
          body: shareContextBody,
          response: { 200: contextShareView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) =>
        shares.share(principalOf(request), request.params.id, request.params.agent_id, request.body.access),
    );

    app.delete(
      '/contexts/:id/shares/:agent_id',
      {
        onRequest: guard('agents:write'),
        schema: {
          ...common,
          operationId: 'unshareContext',
          summary: 'Stop sharing a context with an agent',
          description: '404 when the context is not shared with that agent.',
          params: shareParams,
          response: { 204: z.null().describe('No longer shared'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await shares.unshare(principalOf(request), request.params.id, request.params.agent_id);
        return reply.code(204).send(null);
      },
    );
  };

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity } from '../tenancy/index.ts';
import { definitionListView, definitionView, listDefinitionsQuery, slugParams } from './kind-schemas.ts';
import type { KindService } from './kind-service.ts';

/** The registry of agent kinds (seed 002 agent definitions): the same for every organization, read-only. */
export const kindRoutes =
  (kinds: KindService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['agent-definitions'], security: bearerSecurity };
    const read = guard('agents:read');

    app.get(
      '/agent-definitions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentDefinitions',
          summary: 'The agent kinds an agent’s `kind` may name, by slug',
          description:
            'Shared by every organization. Paginated with limit/offset; X-Total-Count holds the total. An ' +
            'agent may be created with (or switched to) a kind that is both `is_enabled` and `is_loaded`.',
          querystring: listDefinitionsQuery,
          response: { 200: definitionListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, enabled_only, agent_type, capability } = request.query;
        const { items, total } = await kinds.list(
          { enabledOnly: enabled_only, agentType: agent_type, capability },
          { limit, offset },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agent-definitions/:slug',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentDefinition',
          summary: 'One agent kind: its capabilities and the config_schema of its agents’ settings',
          params: slugParams,
          response: { 200: definitionView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => kinds.get(request.params.slug),
    );
  };

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from './access-guard.ts';
import type { ApiKeyService } from './api-key-service.ts';
import {
  apiKeyListView,
  apiKeyView,
  createApiKeyBody,
  createdApiKeyView,
  listApiKeysQuery,
} from './tenancy-schemas.ts';

export const apiKeyRoutes =
  (apiKeys: ApiKeyService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['api-keys'], security: bearerSecurity };
    const requireOwnKeys = guard('api_keys:manage_own');

    app.post(
      '/api-keys',
      {
        onRequest: requireOwnKeys,
        schema: {
          ...common,
          operationId: 'createApiKey',
          summary: 'Create an API key; the key is shown once, in this response',
          body: createApiKeyBody,
          response: { 201: createdApiKeyView, 400: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await apiKeys.create(principalOf(request), request.body)),
    );

    app.get(
      '/api-keys',
      {
        onRequest: requireOwnKeys,
        schema: {
          ...common,
          operationId: 'listApiKeys',
          summary: 'List API keys (prefixes only): all of them for an org_admin, your own otherwise',
          description: 'Newest first; `project_id` lists the keys scoped to that project.',
          querystring: listApiKeysQuery,
          response: { 200: apiKeyListView, ...standardErrorResponses },
        },
      },
      async (request) => apiKeys.list(principalOf(request), request.query),
    );

    app.get(
      '/api-keys/:id',
      {
        onRequest: requireOwnKeys,
        schema: {
          ...common,
          operationId: 'getApiKey',
          summary: 'Get an API key (without the secret)',
          params: idParams,
          response: { 200: apiKeyView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => apiKeys.get(principalOf(request), request.params.id),
    );

    app.delete(
      '/api-keys/:id',
      {
        onRequest: requireOwnKeys,
        schema: {
          ...common,
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key; it stops working immediately',
          params: idParams,
          response: { 204: z.null().describe('Revoked'), 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await apiKeys.revoke(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };

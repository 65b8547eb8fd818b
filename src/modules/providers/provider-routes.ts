import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createProviderBody,
  listProvidersQuery,
  ollamaModelListView,
  ollamaModelsQuery,
  providerListView,
  providerModelListView,
  providerView,
  updateProviderBody,
} from './provider-schemas.ts';
import type { ProviderService } from './provider-service.ts';

export const providerRoutes =
  (providers: ProviderService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['providers'], security: bearerSecurity };
    const read = guard('providers:read');
    const manage = guard('providers:manage', { organizationWide: true });
    const notFound = { 404: errorBodySchema };
    const writeErrors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/providers',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createProvider',
          summary: 'Add an LLM provider; its validation starts in the background',
          description:
            'The key is stored encrypted and never returned. A base_url must pass the outbound guard ' +
            '(400 outbound_url_blocked). The provider is `pending` until a worker has validated it.',
          body: createProviderBody,
          response: {
            201: providerView,
            400: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await providers.create(principalOf(request), request.body)),
    );

    app.get(
      '/providers',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listProviders',
          summary: 'List the organization’s providers (newest first), then the operator’s shared ones',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listProvidersQuery,
          response: { 200: providerListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await providers.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    // A static path: the router matches it before /providers/:id and /providers/:id/models.
    app.get(
      '/providers/ollama/models',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listOllamaModels',
          summary: 'The models of the Ollama servers the organization may use (seed 003)',
          description:
            'Every model of the organization’s active `ollama` providers (newest provider first), then of ' +
            'the operator’s Ollama provider when it is shared, as each listed them at its last validation: ' +
            'nothing is asked live (POST /providers/{id}/validate refreshes a list). No Ollama provider, ' +
            'or none validated: an empty list. Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: ollamaModelsQuery,
          response: { 200: ollamaModelListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await providers.ollamaModels(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/providers/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getProvider',
          summary: 'Get a provider and its validation state',
          params: idParams,
          response: { 200: providerView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => providers.get(principalOf(request), request.params.id),
    );

    const updateOperationIds = { put: 'updateProvider', patch: 'patchProvider' } as const;
    for (const method of ['put', 'patch'] as const) {
      app[method](
        '/providers/:id',
        {
          onRequest: manage,
          schema: {
            ...common,
            operationId: updateOperationIds[method],
            summary: `Update a provider (${method.toUpperCase()}: partial); a new type, URL or key is validated again`,
            description:
              '`api_key: null` removes the key; an omitted api_key keeps it. Operator providers are read-only (403).',
            params: idParams,
            body: updateProviderBody,
            response: { 200: providerView, ...writeErrors, ...standardErrorResponses },
          },
        },
        async (request) => providers.update(principalOf(request), request.params.id, request.body),
      );
    }

    app.delete(
      '/providers/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteProvider',
          summary: 'Delete a provider (soft: then 404 on reads); operator providers are read-only (403)',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await providers.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/providers/:id/validate',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'validateProvider',
          summary: 'Validate a provider again, in the background',
          description:
            'Answers 202 with the provider `pending`; poll GET /providers/{id} until `connected` or `error`.',
          params: idParams,
          response: { 202: providerView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await providers.validate(principalOf(request), request.params.id)),
    );

    app.get(
      '/providers/:id/models',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listProviderModels',
          summary: 'The models the provider listed at its last validation',
          params: idParams,
          response: { 200: providerModelListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => providers.models(principalOf(request), request.params.id),
    );
  };

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { knowledgeSettingsView, updateKnowledgeSettingsBody } from './knowledge-schemas.ts';
import type { KnowledgeSettingsService } from './knowledge-settings.ts';

/** The organization's knowledge settings: its embedding model, and the retrieval mode that follows. */
export const knowledgeSettingsRoutes =
  (settings: KnowledgeSettingsService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['knowledge'], security: bearerSecurity };

    app.get(
      '/knowledge/settings',
      {
        onRequest: guard('files:read'),
        schema: {
          ...common,
          operationId: 'getKnowledgeSettings',
          summary: 'The organization’s embedding model and retrieval mode',
          description:
            'retrieval_mode is hybrid (full-text and vector ranks fused) when an embedding model is set and ' +
            'the server’s database has pgvector (vector_support), full-text otherwise.',
          response: { 200: knowledgeSettingsView, ...standardErrorResponses },
        },
      },
      async (request) => settings.get(principalOf(request)),
    );

    app.put(
      '/knowledge/settings',
      {
        onRequest: guard('providers:manage', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'updateKnowledgeSettings',
          summary: 'Choose the embedding model of the organization’s knowledge (org_admin)',
          description:
            'Both fields together: a provider of a type with embeddings (openai, ollama, openai_compatible; ' +
            '400 embeddings_unsupported otherwise) that the organization may use (422 otherwise), and its model; ' +
            'both null for full-text retrieval only. A change embeds every chunk again in the background.',
          body: updateKnowledgeSettingsBody,
          response: { 200: knowledgeSettingsView, 400: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => settings.update(principalOf(request), request.body),
    );
  };

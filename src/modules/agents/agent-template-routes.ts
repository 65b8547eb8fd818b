import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { agentWriteView } from './agent-schemas.ts';
import { agentTemplateListView, templateParams } from './agent-template-schemas.ts';
import type { AgentTemplateService } from './agent-template-service.ts';

/**
 * The seeds' ready-made agents. `/agents/templates` is a static path, so Fastify's router picks
 * it before the parametric `/agents/:id`.
 */
export const agentTemplateRoutes =
  (templates: AgentTemplateService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['agents'], security: bearerSecurity };

    app.get(
      '/agents/templates',
      {
        onRequest: guard('agents:read'),
        schema: {
          ...common,
          operationId: 'listAgentTemplates',
          summary:
            'List the agent templates: seed 001’s IntakeAgent and TherapyAgent, seed 000’s support agent',
          response: { 200: agentTemplateListView, ...standardErrorResponses },
        },
      },
      async () => templates.list(),
    );

    app.post(
      '/agents/templates/:name',
      {
        onRequest: guard('agents:write'),
        schema: {
          ...common,
          operationId: 'createAgentFromTemplate',
          summary: 'Create the organization’s agent from a template, once',
          description:
            'Creates the agent (201, version 1) unless a live agent of the organization carries the tag ' +
            '`template:<name>`: then answers 200 with that agent. Unknown templates answer 404.',
          params: templateParams,
          response: {
            200: agentWriteView,
            201: agentWriteView,
            400: errorBodySchema,
            404: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const { agent, created } = await templates.instantiate(request.params.name, {
          principal: principalOf(request),
          ipAddress: request.ip ?? null,
        });
        return reply.code(created ? 201 : 200).send(agent);
      },
    );
  };

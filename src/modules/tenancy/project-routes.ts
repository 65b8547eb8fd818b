import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from './access-guard.ts';
import {
  createProjectBody,
  listProjectsQuery,
  projectListView,
  projectView,
  updateProjectBody,
} from './project-schemas.ts';
import type { ProjectService } from './project-service.ts';

export const projectRoutes =
  (projects: ProjectService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['projects'], security: bearerSecurity };
    const read = guard('projects:read');
    const manage = guard('projects:manage', { organizationWide: true });
    const notFound = { 404: errorBodySchema };

    app.post(
      '/projects',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createProject',
          summary: 'Create a project (a sub-scope of the organization)',
          description: 'Names are unique within the organization (409 project_name_taken).',
          body: createProjectBody,
          response: { 201: projectView, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await projects.create(principalOf(request), request.body)),
    );

    app.get(
      '/projects',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listProjects',
          summary: 'List the organization’s projects by name (a project-scoped key sees its own)',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listProjectsQuery,
          response: { 200: projectListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, ...filters } = request.query;
        const { items, total } = await projects.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/projects/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getProject',
          summary: 'Get a project',
          params: idParams,
          response: { 200: projectView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => projects.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/projects/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'patchProject',
          summary: 'Rename a project or change its description or metadata',
          params: idParams,
          body: updateProjectBody,
          response: { 200: projectView, ...notFound, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => projects.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/projects/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteProject',
          summary: 'Delete an empty project',
          description:
            'Refused with 409 project_not_empty, naming what still belongs to it (agents, sessions, files, ' +
            'contexts, API keys), until they are deleted or moved out. Deleted agents and sessions and ' +
            'revoked or expired keys do not count.',
          params: idParams,
          response: {
            204: z.null().describe('Deleted'),
            ...notFound,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        await projects.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };

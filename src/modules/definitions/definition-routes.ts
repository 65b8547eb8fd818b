import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { expectedVersionOf } from '../../platform/http/if-match.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createDefinitionBody,
  definitionListView,
  definitionView,
  ifMatchHeaders,
  listDefinitionsQuery,
  type UpdateDefinitionBody,
  updateDefinitionBody,
  versionListView,
  versionParams,
  versionsQuery,
  versionView,
} from './definition-schemas.ts';
import type { DefinitionChangeContext, DefinitionService } from './definition-service.ts';

const contextOf = (request: FastifyRequest, body: UpdateDefinitionBody): DefinitionChangeContext => ({
  principal: principalOf(request),
  changeReason: body.change_reason,
  expectedVersion: expectedVersionOf(request.headers['if-match'], body.expected_version, 'task definition'),
});

/** Task definitions (seed 003 task configs, DESIGN section 9: `/task-definitions`) and their versions. */
export const definitionRoutes =
  (definitions: DefinitionService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['task-definitions'], security: bearerSecurity };
    const read = guard('agents:read');
    // Task definitions are organization-level configuration: a project-scoped key reads them only.
    const write = guard('agents:write', { organizationWide: true });
    const notFound = { 404: errorBodySchema };
    const conflict = { 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/task-definitions',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createTaskDefinition',
          summary:
            'Create a task definition (version 1): instructions and the JSON Schema answers must follow',
          description:
            '`response_schema` is checked with ajv (draft-07 or 2020-12, root type object): 422 naming the ' +
            'faulty path of the schema. 409 task_definition_name_taken when the organization has a definition ' +
            'of that name (case-insensitively).',
          body: createDefinitionBody,
          response: { 201: definitionView, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await definitions.create({ principal: principalOf(request) }, request.body)),
    );

    app.get(
      '/task-definitions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listTaskDefinitions',
          summary: 'The organization’s task definitions, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listDefinitionsQuery,
          response: { 200: definitionListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await definitions.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/task-definitions/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getTaskDefinition',
          summary: 'A task definition at its current version; its ETag is the version',
          params: idParams,
          response: { 200: definitionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const definition = await definitions.get(principalOf(request), request.params.id);
        reply.header('etag', `"${definition.version}"`);
        return definition;
      },
    );

    for (const [method, operationId] of [
      ['put', 'updateTaskDefinition'],
      ['patch', 'patchTaskDefinition'],
    ] as const) {
      app[method](
        '/task-definitions/:id',
        {
          onRequest: write,
          schema: {
            ...common,
            operationId,
            summary: 'Change a task definition (only the fields given); a change appends a version',
            description:
              'PUT and PATCH are the same partial update (DESIGN section 9). `If-Match: "<version>"` or ' +
              '`expected_version`: 409 version_conflict unless the definition is at that version. A new ' +
              '`response_schema` is checked as on create (422). Runs already made keep the version they used.',
            params: idParams,
            headers: ifMatchHeaders,
            body: updateDefinitionBody,
            response: { 200: definitionView, ...conflict, ...standardErrorResponses },
          },
        },
        async (request) =>
          definitions.update(contextOf(request, request.body), request.params.id, request.body),
      );
    }

    app.delete(
      '/task-definitions/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteTaskDefinition',
          summary: 'Delete a task definition (soft); refused while active assignments use it',
          description:
            '409 task_definition_in_use while an agent holds an active assignment of it: deactivate or remove ' +
            'those first. Its inactive assignments are removed with it; its versions stay for the runs that name them.',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...conflict, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await definitions.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/task-definitions/:id/versions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listTaskDefinitionVersions',
          summary: 'Every version of a task definition, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: versionsQuery,
          response: { 200: versionListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await definitions.listVersions(
          principalOf(request),
          request.params.id,
          request.query,
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/task-definitions/:id/versions/:version',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getTaskDefinitionVersion',
          summary: 'A task definition as it was at one version',
          params: versionParams,
          response: { 200: versionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) =>
        definitions.getVersion(principalOf(request), request.params.id, request.params.version),
    );
  };

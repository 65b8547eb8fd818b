import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { expectedVersionOf } from '../../platform/http/if-match.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { toAgentWrite } from './agent-input.ts';
import type { AgentMoves } from './agent-moves.ts';
import type { ChangeContext } from './agent-records.ts';
import {
  agentListView,
  agentView,
  agentWriteView,
  configurationBody,
  configurationWriteView,
  createAgentBody,
  diffQuery,
  diffView,
  historyListView,
  historyQuery,
  ifMatchHeaders,
  listAgentsQuery,
  rollbackBody,
  updateAgentBody,
  versionListView,
  versionParams,
  versionsQuery,
  versionView,
} from './agent-schemas.ts';
import type { AgentService } from './agent-service.ts';

const contextOf = (
  request: FastifyRequest,
  body: { change_reason?: string | undefined; expected_version?: number | undefined },
): ChangeContext => ({
  principal: principalOf(request),
  ipAddress: request.ip ?? null,
  changeReason: body.change_reason,
  expectedVersion: expectedVersionOf(request.headers['if-match'], body.expected_version, 'agent'),
});

export const agentRoutes =
  (agents: AgentService, moves: AgentMoves, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['agents'], security: bearerSecurity };
    const read = guard('agents:read');
    const write = guard('agents:write');
    const notFound = { 404: errorBodySchema };
    const writeErrors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/agents',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createAgent',
          summary: 'Create an agent (version 1)',
          description:
            'Fields may be sent flat or grouped under `configuration`. Screened prompts are rejected with 400. ' +
            '`kind` must name an enabled agent definition and `settings` match its config_schema (422); a ' +
            'lifecycle hook of the kind that fails refuses the creation with 409 agent_lifecycle_failed.',
          body: createAgentBody,
          response: {
            201: agentWriteView,
            400: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const { project_id, ...input } = request.body;
        return reply.code(201).send(await agents.create(input, contextOf(request, input), project_id));
      },
    );

    app.get(
      '/agents',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgents',
          summary: 'List the organization’s agents, newest first',
          description:
            'Paginated with limit/offset; X-Total-Count holds the total. A project-scoped key lists its project’s agents only.',
          querystring: listAgentsQuery,
          response: { 200: agentListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, ...filters } = request.query;
        const { items, total } = await agents.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agents/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgent',
          summary: 'Get an agent; its ETag is its version',
          params: idParams,
          response: { 200: agentView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const agent = await agents.get(principalOf(request), request.params.id);
        reply.header('etag', `"${agent.version}"`);
        return agent;
      },
    );

    const updateOperationIds = { put: 'updateAgent', patch: 'patchAgent' } as const;
    for (const method of ['put', 'patch'] as const) {
      app[method](
        '/agents/:id',
        {
          onRequest: write,
          schema: {
            ...common,
            operationId: updateOperationIds[method],
            summary: `Update an agent (${method.toUpperCase()}: partial; a configuration change appends a version)`,
            params: idParams,
            headers: ifMatchHeaders,
            body: updateAgentBody,
            response: { 200: agentWriteView, ...writeErrors, ...standardErrorResponses },
          },
        },
        async (request) => moves.update(request.params.id, request.body, contextOf(request, request.body)),
      );
    }

    app.delete(
      '/agents/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteAgent',
          summary: 'Delete an agent (soft: archived, then 404 on reads)',
          description:
            'Runs the kind’s deactivate (when active) and shutdown hooks first: when one fails, the agent stays, ' +
            'in runtime state error, and the answer is 409 agent_lifecycle_failed.',
          params: idParams,
          response: {
            204: z.null().describe('Deleted'),
            409: errorBodySchema,
            ...notFound,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        await agents.remove(request.params.id, contextOf(request, {}));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/agents/:id/configuration',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentConfiguration',
          summary: 'The current configuration version',
          params: idParams,
          response: { 200: versionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => agents.currentConfiguration(principalOf(request), request.params.id),
    );

    app.put(
      '/agents/:id/configuration',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'updateAgentConfiguration',
          summary: 'Change configuration fields; appends a version when anything changes',
          params: idParams,
          headers: ifMatchHeaders,
          body: configurationBody,
          response: { 200: configurationWriteView, ...writeErrors, ...standardErrorResponses },
        },
      },
      async (request) => {
        const { change_reason, expected_version, ...fields } = request.body;
        return agents.updateConfiguration(
          request.params.id,
          toAgentWrite(fields),
          contextOf(request, { change_reason, expected_version }),
        );
      },
    );

    app.get(
      '/agents/:id/configuration/versions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentConfigurationVersions',
          summary: 'Configuration versions, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: versionsQuery,
          response: { 200: versionListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await agents.listVersions(
          principalOf(request),
          request.params.id,
          request.query,
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agents/:id/configuration/versions/:version',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentConfigurationVersion',
          summary: 'One configuration version',
          params: versionParams,
          response: { 200: versionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => agents.getVersion(principalOf(request), request.params.id, request.params.version),
    );

    app.get(
      '/agents/:id/configuration/versions/:version/diff',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'diffAgentConfigurationVersions',
          summary: 'Field-level differences between a version and another (default: the previous one)',
          params: versionParams,
          querystring: diffQuery,
          response: { 200: diffView, 400: errorBodySchema, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) =>
        agents.diffVersions(
          principalOf(request),
          request.params.id,
          request.params.version,
          request.query.against,
        ),
    );

    app.post(
      '/agents/:id/configuration/rollback',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'rollbackAgentConfiguration',
          summary: 'Append a new version equal to an earlier one',
          params: idParams,
          headers: ifMatchHeaders,
          body: rollbackBody,
          response: { 200: agentWriteView, ...writeErrors, ...standardErrorResponses },
        },
      },
      async (request) =>
        agents.rollback(request.params.id, request.body.version, contextOf(request, request.body)),
    );

    app.get(
      '/agents/:id/history',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentHistory',
          summary: 'Field-level change history, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: historyQuery,
          response: { 200: historyListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { field_filter, ...page } = request.query;
        const { items, total } = await agents.history(principalOf(request), request.params.id, {
          ...page,
          fieldFilter: field_filter,
        });
        reply.header('x-total-count', String(total));
        return items;
      },
    );
  };

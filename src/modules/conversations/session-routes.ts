import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  BULK_LIMIT,
  bulkCreateSessionsBody,
  bulkDeleteSessionsBody,
  createSessionBody,
  idsToDelete,
  listSessionsQuery,
  sessionListView,
  sessionView,
  updateSessionBody,
} from './session-schemas.ts';
import type { SessionService } from './session-service.ts';

export const sessionRoutes =
  (sessions: SessionService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['sessions'], security: bearerSecurity };
    const read = guard('sessions:read');
    const write = guard('sessions:write');
    const notFound = { 404: errorBodySchema };
    const deleted = { 204: z.null().describe('Deleted') };

    app.post(
      '/sessions',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createSession',
          summary: 'Start a conversation session, with an agent or (seed 004) without one',
          description:
            'Without `agent_id` the session has none (`agent_id: null`): it takes messages like any other, and the first turn that names it (`/agents/{id}/execute` or `/chat` with its `session_id`) binds it to that agent for good.',
          body: createSessionBody,
          response: { 201: sessionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await sessions.create(principalOf(request), request.body)),
    );

    app.get(
      '/sessions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listSessions',
          summary: 'List sessions, most recently active first by default',
          description:
            'Paginated with limit/offset; X-Total-Count holds the total. `agent_id=none` lists the sessions no turn has bound to an agent yet.',
          querystring: listSessionsQuery,
          response: { 200: sessionListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await sessions.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.post(
      '/sessions/bulk-create',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'bulkCreateSessions',
          summary: `Create up to ${BULK_LIMIT} sessions, all or none`,
          body: bulkCreateSessionsBody,
          response: { 201: sessionListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await sessions.createMany(principalOf(request), request.body)),
    );

    app.delete(
      '/sessions/bulk-delete',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'bulkDeleteSessions',
          summary: `Delete up to ${BULK_LIMIT} sessions and their messages, all or none`,
          description:
            'The body is `{"session_ids": [...]}` or (seed 004) the array of ids itself. Any session of another organization is a 403, any unknown one a 404; either deletes nothing.',
          body: bulkDeleteSessionsBody,
          response: { ...deleted, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await sessions.removeMany(principalOf(request), idsToDelete(request.body));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/sessions/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getSession',
          summary: 'Get a session',
          params: idParams,
          response: { 200: sessionView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => sessions.get(principalOf(request), request.params.id),
    );

    const updateOperationIds = { put: 'updateSession', patch: 'patchSession' } as const;
    for (const method of ['put', 'patch'] as const) {
      app[method](
        '/sessions/:id',
        {
          onRequest: write,
          schema: {
            ...common,
            operationId: updateOperationIds[method],
            summary: `Update a session (${method.toUpperCase()}: partial) - title, user_id, status, metadata`,
            params: idParams,
            body: updateSessionBody,
            response: { 200: sessionView, ...notFound, ...standardErrorResponses },
          },
        },
        async (request) => sessions.update(principalOf(request), request.params.id, request.body),
      );
    }

    app.delete(
      '/sessions/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteSession',
          summary: 'Delete a session and its messages (soft: then 404 on reads)',
          params: idParams,
          response: { ...deleted, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await sessions.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };

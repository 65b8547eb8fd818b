import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams, pageQuery } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from './access-guard.ts';
import type { MemberService } from './member-service.ts';
import { createUserBody, updateUserBody, userListView, userView } from './tenancy-schemas.ts';

export const memberRoutes =
  (members: MemberService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['users'], security: bearerSecurity };

    app.get(
      '/users',
      {
        onRequest: guard('members:read', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'listUsers',
          summary: 'List the members of your organization',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: pageQuery(50, 200),
          response: { 200: userListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await members.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.post(
      '/users',
      {
        onRequest: guard('members:manage', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'createUser',
          summary: 'Add a user to your organization with a role',
          body: createUserBody,
          response: { 201: userView, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(await members.add(principalOf(request), request.body)),
    );

    app.get(
      '/users/:id',
      {
        onRequest: guard('members:read', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'getUser',
          summary: 'Get a member',
          params: idParams,
          response: { 200: userView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => members.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/users/:id',
      {
        onRequest: guard('members:manage', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'patchUser',
          summary: 'Change a member’s name, role or status (disabling revokes their refresh tokens)',
          params: idParams,
          body: updateUserBody,
          response: { 200: userView, 400: errorBodySchema, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => members.update(principalOf(request), request.params.id, request.body),
    );
  };

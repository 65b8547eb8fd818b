import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from './access-guard.ts';
import type { AuthService } from './auth-service.ts';
import type { MemberService } from './member-service.ts';
import { loginBody, meView, refreshBody, registerBody, tokenResponse } from './tenancy-schemas.ts';

export const authRoutes =
  (auth: AuthService, members: MemberService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/auth/register',
      {
        config: { rateClass: 'auth' },
        schema: {
          tags: ['auth'],
          operationId: 'registerAccount',
          summary: 'Create an account and a new organization (you become its org_admin)',
          body: registerBody,
          response: { 201: tokenResponse, 403: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request, reply) => reply.code(201).send(await auth.register(request.body)),
    );

    app.post(
      '/auth/login',
      {
        config: { rateClass: 'auth' },
        schema: {
          tags: ['auth'],
          operationId: 'loginUser',
          summary: 'Exchange email and password for tokens',
          body: loginBody,
          response: { 200: tokenResponse, 401: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request) => auth.login(request.body, request.ip),
    );

    app.post(
      '/auth/refresh',
      {
        config: { rateClass: 'auth' },
        schema: {
          tags: ['auth'],
          operationId: 'refreshTokens',
          summary: 'Rotate a refresh token for new tokens',
          body: refreshBody,
          response: { 200: tokenResponse, 401: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request) => auth.refresh(request.body.refresh_token, request.ip),
    );

    app.get(
      '/me',
      {
        onRequest: guard('agents:read'),
        schema: {
          tags: ['auth'],
          operationId: 'getCurrentPrincipal',
          summary: 'The caller: user or API key, role, permissions and organization',
          security: bearerSecurity,
          response: { 200: meView, ...standardErrorResponses },
        },
      },
      async (request) => members.me(principalOf(request)),
    );
  };

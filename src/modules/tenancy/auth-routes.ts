import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from './access-guard.ts';
import type { AuthService } from './auth-service.ts';
import type { MemberService } from './member-service.ts';
import {
  clearRefreshCookie,
  deliverTokens,
  presentedRefreshToken,
  registerRefreshCookie,
} from './refresh-cookie.ts';
import {
  loginBody,
  logoutBody,
  meView,
  refreshBody,
  registerBody,
  tokenResponse,
} from './tenancy-schemas.ts';

export const authRoutes =
  (
    auth: AuthService,
    members: MemberService,
    guard: AccessGuard,
    refreshTokenTtlSeconds: number,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    await registerRefreshCookie(app);
    const delivery = (inCookie: boolean) => ({ inCookie, ttlSeconds: refreshTokenTtlSeconds });

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
      async (request, reply) => {
        const tokens = await auth.register(request.body);
        return reply
          .code(201)
          .send(
            deliverTokens(request, reply, tokens, delivery(request.body.refresh_token_delivery === 'cookie')),
          );
      },
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
      async (request, reply) => {
        const tokens = await auth.login(request.body, request.ip);
        return deliverTokens(
          request,
          reply,
          tokens,
          delivery(request.body.refresh_token_delivery === 'cookie'),
        );
      },
    );

    app.post(
      '/auth/refresh',
      {
        config: { rateClass: 'auth' },
        schema: {
          tags: ['auth'],
          operationId: 'refreshTokens',
          summary: 'Rotate a refresh token (from the body, or the sign-in cookie) for new tokens',
          body: refreshBody,
          response: { 200: tokenResponse, 401: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request, reply) => {
        const presented = presentedRefreshToken(request, request.body.refresh_token);
        const tokens = await auth.refresh(presented.token, request.ip);
        return deliverTokens(request, reply, tokens, delivery(presented.fromCookie));
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { rateClass: 'auth' },
        schema: {
          tags: ['auth'],
          operationId: 'logoutUser',
          summary: 'Sign out: revoke the refresh token (from the body, or the sign-in cookie) and its family',
          body: logoutBody,
          response: { 204: z.null().describe('Signed out'), 401: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request, reply) => {
        const presented = presentedRefreshToken(request, request.body.refresh_token);
        await auth.logout(presented.token);
        clearRefreshCookie(request, reply);
        return reply.code(204).send(null);
      },
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

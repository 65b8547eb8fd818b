import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../platform/http/errors.ts';
import type { TokenResponse } from './tenancy-schemas.ts';

/**
 * The refresh token of a browser session, kept where page scripts cannot read it: an httpOnly,
 * SameSite=Strict cookie sent only to the auth routes. The strict SameSite keeps other sites from
 * sending it, and the routes accept only JSON bodies, which a cross-site form cannot send.
 */
const COOKIE_NAME = 'agentry_refresh';
const COOKIE_PATH = '/api/v1/auth';

export async function registerRefreshCookie(app: FastifyInstance) {
  await app.register(fastifyCookie);
}

/**
 * The tokens as the client asked for them: as they are, or, for a cookie-delivery client, with the
 * refresh token moved from the body to the cookie.
 */
export function deliverTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  tokens: TokenResponse,
  delivery: { inCookie: boolean; ttlSeconds: number },
): TokenResponse {
  const { refresh_token: refreshToken, ...rest } = tokens;
  if (!delivery.inCookie || refreshToken === undefined) return tokens;
  reply.setCookie(COOKIE_NAME, refreshToken, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: COOKIE_PATH,
    maxAge: delivery.ttlSeconds,
  });
  return rest;
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(COOKIE_NAME, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: COOKIE_PATH,
  });
}

/** The presented refresh token: the body's, else the cookie's; which one decides how the answer carries it. */
export function presentedRefreshToken(
  request: FastifyRequest,
  fromBody: string | undefined,
): { token: string; fromCookie: boolean } {
  if (fromBody !== undefined) return { token: fromBody, fromCookie: false };
  const fromCookie = request.cookies[COOKIE_NAME];
  if (fromCookie) return { token: fromCookie, fromCookie: true };
  throw new UnauthorizedError(
    'No refresh token: send refresh_token, or sign in again with refresh_token_delivery "cookie"',
    'invalid_refresh_token',
  );
}

import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../platform/http/errors.ts';
import type { Principal } from './principal.ts';
import { type Role, roles } from './roles.ts';

const ISSUER = 'agentry';
const AUDIENCE = 'agentry-api';
/** Verified tokens remembered per process; the oldest is forgotten first when full. */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessTokens {
  issue(principal: { userId: string; organizationId: string; role: Role }): Promise<string>;
  /**
   * The principal of a valid token, or null for any invalid or foreign token. A well-signed token
   * past its expiry throws `token_expired`: its holder only has to refresh, not fix anything.
   */
  verify(token: string): Promise<Principal | null>;
  ttlSeconds: number;
}

function expiredToken() {
  return new UnauthorizedError(
    'The access token has expired: get a new one with POST /api/v1/auth/refresh, or sign in again',
    'token_expired',
  );
}

/**
 * Short-lived HS256 access tokens. They carry the role they were issued with; the account status
 * check (account-status.ts) applies a later role change or a disabled account at once, and refresh
 * tokens are checked against the database.
 */
export function createAccessTokens(secret: string, ttlSeconds: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
  // A signature check is deterministic, so a token verified once needs only its expiry checked
  // again: this keeps HMAC and claim parsing off the path of every request.
  const verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  function remember(token: string, principal: Principal, expiresAtMs: number) {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { principal, expiresAtMs });
  }

  return {
    ttlSeconds,
    issue: ({ userId, organizationId, role }) =>
      new SignJWT({ org: organizationId, role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    verify: async (token) => {
      const known = verified.get(token);
      if (known) {
        if (known.expiresAtMs > Date.now()) return known.principal;
        verified.delete(token);
        throw expiredToken();
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'sub'],
        });
        const role = payload.role as Role;
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || !roles.includes(role)) {
          return null;
        }
        const principal: Principal = {
          userId: payload.sub,
          organizationId: payload.org,
          // Users act for the whole organization; only API keys are made for one project.
          projectId: null,
          role,
          apiKeyId: null,
        };
        remember(token, principal, (payload.exp as number) * 1000);
        return principal;
      } catch (error) {
        // jose checks the signature before the claims, so an expired token here is genuine.
        if (error instanceof errors.JWTExpired) throw expiredToken();
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}

import { errors, jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal.ts';
import { type Role, roles } from './roles.ts';

const ISSUER = 'agentry';
const AUDIENCE = 'agentry-api';

export interface AccessTokens {
  issue(principal: { userId: string; organizationId: string; role: Role }): Promise<string>;
  /** The principal of a valid token, or null for any invalid, expired or foreign token. */
  verify(token: string): Promise<Principal | null>;
  ttlSeconds: number;
}

/**
 * Short-lived HS256 access tokens. They carry the role, so a role change or a disabled account
 * takes effect when the token expires; refresh tokens are checked against the database.
 */
export function createAccessTokens(secret: string, ttlSeconds: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
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
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
        });
        const role = payload.role as Role;
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || !roles.includes(role))
          return null;
        return { userId: payload.sub, organizationId: payload.org, role, apiKeyId: null };
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}

import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../platform/http/errors.ts';
import type { AuthService } from './auth-service.ts';
import type { Principal } from './principal.ts';
import { hasPermission, type Permission } from './roles.ts';

const principals = new WeakMap<FastifyRequest, Principal>();

/** The caller of a route protected by the guard. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/** The caller when a guard let it in; undefined on anonymous routes (or before the guard ran). */
export function findPrincipal(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/**
 * Builds the onRequest hook a route declares to require a permission; other modules receive it.
 * It runs before body validation, so an anonymous caller learns nothing about the schema.
 */
export type AccessGuard = (permission: Permission, options?: GuardOptions) => onRequestAsyncHookHandler;

export interface GuardOptions {
  /**
   * Also accept the credential as `?access_token=`: browsers cannot set headers on EventSource and
   * WebSocket connections. Only for streaming routes; the logger strips it from logged URLs.
   */
  allowQueryToken?: boolean;
  /**
   * Organization-level routes (members, providers' and channels' configuration, task definitions,
   * projects, the organization's event stream): refused (403) to a caller scoped to one project.
   */
  organizationWide?: boolean;
}

function credentialOf(request: FastifyRequest, allowQueryToken: boolean): string | undefined {
  const [scheme, credential] = (request.headers.authorization ?? '').split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer' && credential) return credential.trim();
  const token = (request.query as { access_token?: unknown } | undefined)?.access_token;
  return allowQueryToken && typeof token === 'string' && token ? token : undefined;
}

/** OpenAPI security requirement of every guarded route. */
export const bearerSecurity = [{ bearerAuth: [] }];

export function createAccessGuard(auth: AuthService): AccessGuard {
  return (permission, options = {}) =>
    async function requirePermission(request) {
      const credential = credentialOf(request, options.allowQueryToken ?? false);
      if (!credential) {
        throw new UnauthorizedError('Missing bearer token: send Authorization: Bearer <token or API key>');
      }
      const principal = await auth.authenticate(credential);
      if (!principal) throw new UnauthorizedError('Invalid, expired or revoked credentials', 'invalid_token');
      if (!hasPermission(principal.role, permission)) {
        throw new ForbiddenError(`The ${principal.role} role lacks the ${permission} permission`);
      }
      if (options.organizationWide && principal.projectId) {
        throw new ForbiddenError(
          'This route acts on the whole organization: use a credential that is not scoped to a project',
        );
      }
      principals.set(request, principal);
    };
}

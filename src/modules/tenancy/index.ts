import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import { type AccessGuard, createAccessGuard } from './access-guard.ts';
import { createAccessTokens } from './access-tokens.ts';
import type { OrganizationRow } from './account-repository.ts';
import { createAccountStatus } from './account-status.ts';
import { apiKeyRoutes } from './api-key-routes.ts';
import { apiKeyProjectMembers, createApiKeyService } from './api-key-service.ts';
import { authRoutes } from './auth-routes.ts';
import { createAuthService } from './auth-service.ts';
import { memberRoutes } from './member-routes.ts';
import { createMemberService } from './member-service.ts';
import { projectRoutes } from './project-routes.ts';
import { createProjectService, type ProjectMembers } from './project-service.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export type { AccessGuard } from './access-guard.ts';
export { bearerSecurity, findPrincipal, principalOf } from './access-guard.ts';
export { findOrganizationByReference } from './account-repository.ts';
export { createOrganizationAdmin } from './organization-founding.ts';
export { findOrganizationTier, updateOrganizationTier } from './organization-tier-repository.ts';
export { backgroundPrincipal, type Principal, requirePermission } from './principal.ts';
export { projectFor, unknownProjectError } from './project-scope.ts';
export type { ProjectMembers } from './project-service.ts';
export type { Role } from './roles.ts';
export { type SignInAttempt, type SignInThrottle, unthrottledSignIn } from './sign-in-throttle.ts';

export interface TenancyOptions {
  db: Database;
  events: EventBus;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  allowRegistration: boolean;
  /** The tier new organizations start on (DEFAULT_ORGANIZATION_TIER). */
  defaultOrganizationTier: OrganizationRow['tier'];
  /** Brute-force protection of sign-in and refresh (the limits module's). */
  signInThrottle: SignInThrottle;
}

/** Organizations, users, sign-in and API keys; returns the guard other modules protect routes with. */
export async function registerTenancy(app: FastifyInstance, options: TenancyOptions) {
  const accountStatus = createAccountStatus(options.db, options.events);
  const auth = createAuthService({
    db: options.db,
    accessTokens: createAccessTokens(options.jwtSecret, options.accessTokenTtlSeconds),
    accountStatus,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
    allowRegistration: options.allowRegistration,
    defaultOrganizationTier: options.defaultOrganizationTier,
    signInThrottle: options.signInThrottle,
    onBackgroundError: (error) => app.log.warn({ err: error }, 'recording API key use failed'),
  });
  const guard = createAccessGuard(auth);
  const members = createMemberService({ db: options.db, events: options.events, accountStatus });
  await app.register(authRoutes(auth, members, guard, options.refreshTokenTtlSeconds), { prefix: '/api/v1' });
  await app.register(memberRoutes(members, guard), { prefix: '/api/v1' });
  await app.register(apiKeyRoutes(createApiKeyService({ db: options.db }), guard), { prefix: '/api/v1' });
  return { guard };
}

/**
 * The projects API. Registered once the modules whose rows belong to projects are: `members` are
 * theirs (agents, sessions, files, ...), counted before a project is deleted; API keys are this
 * module's own.
 */
export async function registerProjects(
  app: FastifyInstance,
  options: { db: Database; guard: AccessGuard; members: readonly ProjectMembers[] },
) {
  const projects = createProjectService({
    db: options.db,
    members: [...options.members, apiKeyProjectMembers],
  });
  await app.register(projectRoutes(projects, options.guard), { prefix: '/api/v1' });
}

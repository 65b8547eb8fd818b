import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { ForbiddenError } from '../../platform/http/errors.ts';
import { hasPermission, type Permission, type Role } from './roles.ts';

/**
 * Who is calling: a signed-in user or an API key, always inside exactly one organization. A
 * principal is the tenant scope of everything it reads and writes. `projectId` is its API key's
 * project: such a caller sees and creates only that project's resources. Signed-in users and
 * keys without a project are organization-wide (null).
 */
export interface Principal extends TenantScope {
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
  /** Set when the work runs without an HTTP request (a queue job, a channel): why it runs. */
  background?: { trigger: string };
}

/**
 * The principal of work that runs without a request (DESIGN section 10): it names its
 * organization, the user or API key it acts for when there is one, the trigger it runs for, and an
 * explicit role (e.g. the role its creator had when the work was queued). There is no implicit
 * "system" principal with every right. It is plain data, so a queue job can carry it.
 */
export function backgroundPrincipal(work: {
  organizationId: string;
  trigger: string;
  role: Role;
  actingUserId?: string | null | undefined;
  actingApiKeyId?: string | null | undefined;
}): Principal {
  return {
    organizationId: work.organizationId,
    role: work.role,
    userId: work.actingUserId ?? null,
    apiKeyId: work.actingApiKeyId ?? null,
    background: { trigger: work.trigger },
  };
}

/** Refuses (403) a principal whose role lacks `permission`: services check what routes cannot. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!hasPermission(principal.role, permission)) {
    throw new ForbiddenError(`The ${principal.role} role may not do this (${permission})`);
  }
}

import { sha256Hex } from '../../platform/crypto/tokens.ts';
import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { BadRequestError, ForbiddenError } from '../../platform/http/errors.ts';
import { generateApiKey } from './api-key-format.ts';
import * as apiKeyRows from './api-key-repository.ts';
import type { Principal } from './principal.ts';
import { projectFor } from './project-scope.ts';
import type { ProjectMembers } from './project-service.ts';
import { hasPermission, type Role, roleIncludes } from './roles.ts';
import type { ApiKeyView } from './tenancy-schemas.ts';
import { toApiKeyView } from './tenancy-views.ts';

/**
 * API keys belong to the organization. Anyone may create keys up to their own role and manage
 * the keys they created; an org_admin manages every key of the organization.
 */
export function createApiKeyService({ db }: { db: Database }) {
  const managesAll = (principal: Principal) => hasPermission(principal.role, 'api_keys:manage_all');

  async function requireManageable(principal: Principal, apiKeyId: string) {
    const row = await requireInScope(await apiKeyRows.findApiKey(db, principal, apiKeyId), 'API key', () =>
      apiKeyRows.findApiKeyOrganization(db, apiKeyId),
    );
    const ownsKey =
      (principal.userId !== null && row.createdByUserId === principal.userId) ||
      (principal.apiKeyId !== null &&
        (row.createdByApiKeyId === principal.apiKeyId || row.id === principal.apiKeyId));
    if (!managesAll(principal) && !ownsKey) throw new ForbiddenError('You can only manage your own API keys');
    return row;
  }

  return {
    async create(
      principal: Principal,
      input: {
        name: string;
        role?: Role | undefined;
        project_id?: string | null | undefined;
        expires_at?: string | undefined;
      },
    ): Promise<ApiKeyView & { key: string }> {
      const role = input.role ?? principal.role;
      if (!roleIncludes(principal.role, role)) {
        throw new ForbiddenError(`A ${principal.role} cannot create a key with the ${role} role`);
      }
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        throw new BadRequestError('invalid_expiry', 'expires_at must be in the future');
      }
      const projectId = await projectFor(db, principal, input.project_id);
      const { key, prefix } = generateApiKey();
      const row = await apiKeyRows.insertApiKey(db, {
        id: uuidv7(),
        organizationId: principal.organizationId,
        name: input.name,
        prefix,
        keyHash: sha256Hex(key),
        role,
        projectId,
        createdByUserId: principal.userId,
        createdByApiKeyId: principal.apiKeyId,
        expiresAt,
      });
      return { ...toApiKeyView(row), key };
    },

    async list(
      principal: Principal,
      filters: { project_id?: string | undefined } = {},
    ): Promise<ApiKeyView[]> {
      const owner = managesAll(principal) ? null : { userId: principal.userId, apiKeyId: principal.apiKeyId };
      const rows = await apiKeyRows.listApiKeys(db, principal, owner, filters.project_id);
      return rows.map(toApiKeyView);
    },

    async get(principal: Principal, apiKeyId: string): Promise<ApiKeyView> {
      return toApiKeyView(await requireManageable(principal, apiKeyId));
    },

    async revoke(principal: Principal, apiKeyId: string): Promise<void> {
      const row = await requireManageable(principal, apiKeyId);
      if (row.revokedAt) return;
      await apiKeyRows.revokeApiKey(db, principal, apiKeyId);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

/** API keys made for a project keep it from being deleted while they can still authenticate. */
export const apiKeyProjectMembers: ProjectMembers = {
  resource: 'api_keys',
  countLive: apiKeyRows.countLiveProjectKeys,
  releaseGone: apiKeyRows.releaseGoneProjectKeys,
};

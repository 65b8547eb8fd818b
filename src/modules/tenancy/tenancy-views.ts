import { iso } from '../../platform/http/common-schemas.ts';
import type { OrganizationRow, UserRow } from './account-repository.ts';
import type { ApiKeyRow } from './api-key-repository.ts';
import type { ProjectRow } from './project-repository.ts';
import type { ProjectView } from './project-schemas.ts';
import type { ApiKeyView, OrganizationView, UserView } from './tenancy-schemas.ts';

export const toOrganizationView = (row: OrganizationRow): OrganizationView => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  status: row.status,
  tier: row.tier,
  created_at: row.createdAt.toISOString(),
});

export const toUserView = (row: UserRow): UserView => ({
  id: row.id,
  organization_id: row.organizationId,
  email: row.email,
  full_name: row.fullName,
  role: row.role,
  status: row.status,
  last_login_at: iso(row.lastLoginAt),
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toApiKeyView = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  role: row.role,
  project_id: row.projectId,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  expires_at: iso(row.expiresAt),
  last_used_at: iso(row.lastUsedAt),
  revoked_at: iso(row.revokedAt),
  created_at: row.createdAt.toISOString(),
});

export const toProjectView = (row: ProjectRow): ProjectView => ({
  id: row.id,
  organization_id: row.organizationId,
  name: row.name,
  description: row.description,
  metadata: row.metadata,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

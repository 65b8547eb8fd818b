import { and, count, desc, eq, gt, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inProject, inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { apiKeys } from './tenancy-tables.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Executor, values: typeof apiKeys.$inferInsert) {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row as ApiKeyRow;
}

/**
 * Unscoped: authentication knows only the key itself; its prefix finds the one row to compare
 * against, and that row names the organization.
 */
export async function findApiKeyByPrefix(db: Executor, prefix: string) {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
  return row;
}

/** The keys a scope may manage: a project-scoped caller's are its project's. */
const manageable = (scope: TenantScope) => inScope(apiKeys.organizationId, scope, apiKeys.projectId);

export async function findApiKey(db: Executor, scope: TenantScope, apiKeyId: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(manageable(scope), eq(apiKeys.id, apiKeyId)));
  return row;
}

/**
 * Unscoped: the organization owning a key id, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findApiKeyOrganization(db: Executor, apiKeyId: string) {
  const [row] = await db
    .select({ organizationId: apiKeys.organizationId })
    .from(apiKeys)
    .where(eq(apiKeys.id, apiKeyId));
  return row?.organizationId;
}

/**
 * Every key of the organization, or only those an owner created (and, for a key, the key itself);
 * with `projectId`, only those scoped to that project.
 */
export async function listApiKeys(
  db: Executor,
  scope: TenantScope,
  owner: { userId: string | null; apiKeyId: string | null } | null,
  projectId?: string,
) {
  const ownership = !owner
    ? undefined
    : owner.userId
      ? eq(apiKeys.createdByUserId, owner.userId)
      : or(eq(apiKeys.createdByApiKeyId, owner.apiKeyId ?? ''), eq(apiKeys.id, owner.apiKeyId ?? ''));
  return db
    .select()
    .from(apiKeys)
    .where(and(manageable(scope), projectId ? manageable(inProject(scope, projectId)) : undefined, ownership))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function revokeApiKey(db: Executor, scope: TenantScope, apiKeyId: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(manageable(scope), eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

/**
 * Records use at most once a minute per key, so authentication does not write on every request.
 * Unscoped: part of verifying a key, by the id of the row its prefix found.
 */
export async function touchApiKey(db: Executor, apiKeyId: string) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, apiKeyId),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
      ),
    );
}

/** A key that can no longer authenticate: revoked, or past its expiry. */
const gone = or(isNotNull(apiKeys.revokedAt), lte(apiKeys.expiresAt, sql`now()`));
const ofProject = (scope: TenantScope, projectId: string) =>
  and(inScope(apiKeys.organizationId, scope), eq(apiKeys.projectId, projectId));

/** The project's keys that still authenticate (what keeps it from being deleted). */
export async function countLiveProjectKeys(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select({ value: count() })
    .from(apiKeys)
    .where(
      and(
        ofProject(scope, projectId),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      ),
    );
  return row?.value ?? 0;
}

/** Revoked and expired keys of a project being deleted stop naming it (they can never act again). */
export async function releaseGoneProjectKeys(db: Executor, scope: TenantScope, projectId: string) {
  await db
    .update(apiKeys)
    .set({ projectId: null })
    .where(and(ofProject(scope, projectId), gone));
}

import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
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

export async function findApiKey(db: Executor, scope: TenantScope, apiKeyId: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(inScope(apiKeys.organizationId, scope), eq(apiKeys.id, apiKeyId)));
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

/** Every key of the organization, or only those an owner created (and, for a key, the key itself). */
export async function listApiKeys(
  db: Executor,
  scope: TenantScope,
  owner: { userId: string | null; apiKeyId: string | null } | null,
) {
  const inOrganization = inScope(apiKeys.organizationId, scope);
  const ownership = !owner
    ? undefined
    : owner.userId
      ? eq(apiKeys.createdByUserId, owner.userId)
      : or(eq(apiKeys.createdByApiKeyId, owner.apiKeyId ?? ''), eq(apiKeys.id, owner.apiKeyId ?? ''));
  return db
    .select()
    .from(apiKeys)
    .where(ownership ? and(inOrganization, ownership) : inOrganization)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function revokeApiKey(db: Executor, scope: TenantScope, apiKeyId: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(inScope(apiKeys.organizationId, scope), eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)))
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

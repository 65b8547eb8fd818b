import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { apiKeys } from './tenancy-tables.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(db: Executor, values: typeof apiKeys.$inferInsert) {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row as ApiKeyRow;
}

/** Authentication knows only the key itself; its prefix finds the one row to compare against. */
export async function findApiKeyByPrefix(db: Executor, prefix: string) {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
  return row;
}

export async function findApiKey(db: Executor, organizationId: string, apiKeyId: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, apiKeyId)));
  return row;
}

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
  organizationId: string,
  owner: { userId: string | null; apiKeyId: string | null } | null,
) {
  const scope = eq(apiKeys.organizationId, organizationId);
  const ownership = !owner
    ? undefined
    : owner.userId
      ? eq(apiKeys.createdByUserId, owner.userId)
      : or(eq(apiKeys.createdByApiKeyId, owner.apiKeyId ?? ''), eq(apiKeys.id, owner.apiKeyId ?? ''));
  return db
    .select()
    .from(apiKeys)
    .where(ownership ? and(scope, ownership) : scope)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function revokeApiKey(db: Executor, organizationId: string, apiKeyId: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(
      and(eq(apiKeys.organizationId, organizationId), eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)),
    )
    .returning();
  return row;
}

/** Records use at most once a minute per key, so authentication does not write on every request. */
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

import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { isUuid } from '../../platform/db/ids.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { organizations, refreshTokens, users } from './tenancy-tables.ts';

export type OrganizationRow = typeof organizations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function insertOrganization(db: Executor, values: typeof organizations.$inferInsert) {
  const [row] = await db.insert(organizations).values(values).returning();
  return row as OrganizationRow;
}

/** The organization of the scope itself. */
export async function findOrganization(db: Executor, scope: TenantScope) {
  const [row] = await db.select().from(organizations).where(inScope(organizations.id, scope));
  return row;
}

/** The organization an operator names, by its id or its slug (the CLI's commands). */
export const organizationReferencedBy = (reference: string) =>
  isUuid(reference) ? eq(organizations.id, reference) : eq(organizations.slug, reference);

/** Operator work, unscoped: the organization of that id or slug, or undefined. */
export async function findOrganizationByReference(db: Executor, reference: string) {
  const [row] = await db.select().from(organizations).where(organizationReferencedBy(reference));
  return row;
}

export async function insertUser(db: Executor, values: typeof users.$inferInsert) {
  const [row] = await db.insert(users).values(values).returning();
  return row as UserRow;
}

/**
 * Unscoped: sign-in is the one lookup that precedes knowing the organization, and emails are
 * unique across every organization.
 */
export async function findUserByEmail(db: Executor, email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUser(db: Executor, scope: TenantScope, userId: string) {
  const [row] = await db
    .select()
    .from(users)
    .where(and(inScope(users.organizationId, scope), eq(users.id, userId)));
  return row;
}

/**
 * Unscoped: the organization owning a user id, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findUserOrganization(db: Executor, userId: string) {
  const [row] = await db
    .select({ organizationId: users.organizationId })
    .from(users)
    .where(eq(users.id, userId));
  return row?.organizationId;
}

/** Oldest first. */
export async function listUsers(db: Executor, scope: TenantScope, page: Page) {
  return listPage(
    db,
    users,
    inScope(users.organizationId, scope),
    [asc(users.createdAt), asc(users.id)],
    page,
  );
}

export async function updateUser(
  db: Executor,
  scope: TenantScope,
  userId: string,
  values: Partial<Pick<UserRow, 'fullName' | 'role' | 'status' | 'lastLoginAt'>>,
) {
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: new Date() })
    .where(and(inScope(users.organizationId, scope), eq(users.id, userId)))
    .returning();
  return row;
}

/**
 * Active org_admins other than `exceptUserId`, locked so two demotions cannot both pass the check.
 * Every active org_admin, `exceptUserId` included, is locked in id order: two admins demoting each
 * other then queue on the same first row instead of deadlocking.
 */
export async function countOtherActiveAdmins(db: Executor, scope: TenantScope, exceptUserId: string) {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inScope(users.organizationId, scope), eq(users.role, 'org_admin'), eq(users.status, 'active')))
    .orderBy(asc(users.id))
    .for('update');
  return rows.filter((row) => row.id !== exceptUserId).length;
}

export async function insertRefreshToken(db: Executor, values: typeof refreshTokens.$inferInsert) {
  await db.insert(refreshTokens).values(values);
}

/**
 * Marks an unused token as rotated and returns it; a token already rotated or revoked returns
 * nothing. Unscoped, like the lookups below: the token itself is the credential, and it names its
 * organization.
 */
export async function claimRefreshToken(db: Executor, tokenHash: string) {
  const [row] = await db
    .update(refreshTokens)
    .set({ rotatedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        isNull(refreshTokens.rotatedAt),
        isNull(refreshTokens.revokedAt),
      ),
    )
    .returning();
  return row;
}

/** Unscoped: a token found by its hash (see `claimRefreshToken`). */
export async function findRefreshToken(db: Executor, tokenHash: string) {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  return row;
}

/** Unscoped: the family of a token presented twice, found by that token's hash. */
export async function revokeRefreshTokenFamily(db: Executor, familyId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeUserRefreshTokens(db: Executor, scope: TenantScope, userId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        inScope(refreshTokens.organizationId, scope),
        eq(refreshTokens.userId, userId),
        isNull(refreshTokens.revokedAt),
      ),
    );
}

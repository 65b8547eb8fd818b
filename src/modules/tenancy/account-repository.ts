import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { organizations, refreshTokens, users } from './tenancy-tables.ts';

export type OrganizationRow = typeof organizations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function insertOrganization(db: Executor, values: typeof organizations.$inferInsert) {
  const [row] = await db.insert(organizations).values(values).returning();
  return row as OrganizationRow;
}

export async function findOrganization(db: Executor, organizationId: string) {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  return row;
}

export async function insertUser(db: Executor, values: typeof users.$inferInsert) {
  const [row] = await db.insert(users).values(values).returning();
  return row as UserRow;
}

/** Sign-in is the one lookup that precedes knowing the organization: emails are unique globally. */
export async function findUserByEmail(db: Executor, email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUser(db: Executor, organizationId: string, userId: string) {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)));
  return row;
}

/** The organization owning a user id, to tell "another organization's" (403) from "missing" (404). */
export async function findUserOrganization(db: Executor, userId: string) {
  const [row] = await db
    .select({ organizationId: users.organizationId })
    .from(users)
    .where(eq(users.id, userId));
  return row?.organizationId;
}

export async function listUsers(
  db: Executor,
  organizationId: string,
  page: { limit: number; offset: number },
) {
  const where = eq(users.organizationId, organizationId);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(users)
      .where(where)
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(users).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function updateUser(
  db: Executor,
  organizationId: string,
  userId: string,
  values: Partial<Pick<UserRow, 'fullName' | 'role' | 'status' | 'lastLoginAt'>>,
) {
  const [row] = await db
    .update(users)
    .set({ ...values, updatedAt: new Date() })
    .where(and(eq(users.organizationId, organizationId), eq(users.id, userId)))
    .returning();
  return row;
}

/**
 * Active org_admins other than `exceptUserId`, locked so two demotions cannot both pass the check.
 * Every active org_admin, `exceptUserId` included, is locked in id order: two admins demoting each
 * other then queue on the same first row instead of deadlocking.
 */
export async function countOtherActiveAdmins(db: Executor, organizationId: string, exceptUserId: string) {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(eq(users.organizationId, organizationId), eq(users.role, 'org_admin'), eq(users.status, 'active')),
    )
    .orderBy(asc(users.id))
    .for('update');
  return rows.filter((row) => row.id !== exceptUserId).length;
}

export async function insertRefreshToken(db: Executor, values: typeof refreshTokens.$inferInsert) {
  await db.insert(refreshTokens).values(values);
}

/** Marks an unused token as rotated and returns it; a token already rotated or revoked returns nothing. */
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

export async function findRefreshToken(db: Executor, tokenHash: string) {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  return row;
}

export async function revokeRefreshTokenFamily(db: Executor, familyId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function revokeUserRefreshTokens(db: Executor, organizationId: string, userId: string) {
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.organizationId, organizationId),
        eq(refreshTokens.userId, userId),
        isNull(refreshTokens.revokedAt),
      ),
    );
}

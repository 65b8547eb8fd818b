import { and, desc, eq, ilike, isNull, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { escapeLike } from '../../platform/db/like-pattern.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { taskDefinitions, taskDefinitionVersions } from './definition-tables.ts';

export type DefinitionRow = typeof taskDefinitions.$inferSelect;
export type DefinitionVersionRow = typeof taskDefinitionVersions.$inferSelect;
export type DefinitionChange = Partial<
  Pick<DefinitionRow, 'name' | 'description' | 'instructions' | 'responseSchema' | 'isActive' | 'version'>
>;

export interface DefinitionFilters {
  activeOnly?: boolean | undefined;
  search?: string | undefined;
}

const live = (scope: TenantScope) =>
  and(inScope(taskDefinitions.organizationId, scope), isNull(taskDefinitions.deletedAt));

/** Undefined when the name is taken (the unique index), so that the transaction goes on. */
export async function insertDefinition(tx: Executor, row: typeof taskDefinitions.$inferInsert) {
  const [inserted] = await tx.insert(taskDefinitions).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function insertVersion(tx: Executor, row: typeof taskDefinitionVersions.$inferInsert) {
  await tx.insert(taskDefinitionVersions).values(row);
}

export async function findDefinition(db: Executor, scope: TenantScope, definitionId: string) {
  const [row] = await db
    .select()
    .from(taskDefinitions)
    .where(and(live(scope), eq(taskDefinitions.id, definitionId)));
  return row;
}

/**
 * A live definition of the scope, locked until the transaction ends: `update` for its own
 * changes, `share` for an assignment made to it (which a deletion must wait for).
 */
export async function lockDefinition(
  tx: Executor,
  scope: TenantScope,
  definitionId: string,
  strength: 'update' | 'share',
) {
  const [row] = await tx
    .select()
    .from(taskDefinitions)
    .where(and(live(scope), eq(taskDefinitions.id, definitionId)))
    .for(strength);
  return row;
}

/**
 * Unscoped: the organization of a live definition, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findDefinitionOrganization(db: Executor, definitionId: string) {
  const [row] = await db
    .select({ organizationId: taskDefinitions.organizationId })
    .from(taskDefinitions)
    .where(and(eq(taskDefinitions.id, definitionId), isNull(taskDefinitions.deletedAt)));
  return row?.organizationId;
}

/** Newest first. */
export async function listDefinitions(
  db: Executor,
  scope: TenantScope,
  filters: DefinitionFilters,
  page: Page,
) {
  const conditions: (SQL | undefined)[] = [live(scope)];
  if (filters.activeOnly) conditions.push(eq(taskDefinitions.isActive, true));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(taskDefinitions.name, pattern), ilike(taskDefinitions.description, pattern)));
  }
  const order = [desc(taskDefinitions.createdAt), desc(taskDefinitions.id)];
  return listPage(db, taskDefinitions, and(...conditions), order, page);
}

/** A new name that is taken fails as a unique violation (the caller answers 409). */
export async function updateDefinition(
  tx: Executor,
  scope: TenantScope,
  definitionId: string,
  change: DefinitionChange,
  at: Date,
) {
  const [row] = await tx
    .update(taskDefinitions)
    .set({ ...change, updatedAt: at })
    .where(and(live(scope), eq(taskDefinitions.id, definitionId)))
    .returning();
  return row;
}

export async function softDeleteDefinition(tx: Executor, scope: TenantScope, definitionId: string, at: Date) {
  await tx
    .update(taskDefinitions)
    .set({ deletedAt: at, updatedAt: at })
    .where(and(live(scope), eq(taskDefinitions.id, definitionId)));
}

/** Newest first. */
export async function listVersions(db: Executor, scope: TenantScope, definitionId: string, page: Page) {
  const where = and(
    inScope(taskDefinitionVersions.organizationId, scope),
    eq(taskDefinitionVersions.taskDefinitionId, definitionId),
  );
  return listPage(db, taskDefinitionVersions, where, [desc(taskDefinitionVersions.version)], page);
}

export async function findVersion(db: Executor, scope: TenantScope, definitionId: string, version: number) {
  const [row] = await db
    .select()
    .from(taskDefinitionVersions)
    .where(
      and(
        inScope(taskDefinitionVersions.organizationId, scope),
        eq(taskDefinitionVersions.taskDefinitionId, definitionId),
        eq(taskDefinitionVersions.version, version),
      ),
    );
  return row;
}

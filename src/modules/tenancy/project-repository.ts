import { and, asc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { escapeLike } from '../../platform/db/like-pattern.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { projects } from './tenancy-tables.ts';

export type ProjectRow = typeof projects.$inferSelect;
export type ProjectChange = Partial<Pick<ProjectRow, 'name' | 'description' | 'metadata'>>;

/** A project-scoped caller's scope holds one project: its own (the project's id is its project column). */
const visible = (scope: TenantScope) => inScope(projects.organizationId, scope, projects.id);

export async function insertProject(db: Executor, values: typeof projects.$inferInsert) {
  const [row] = await db.insert(projects).values(values).returning();
  return row as ProjectRow;
}

export async function findProject(db: Executor, scope: TenantScope, projectId: string) {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(visible(scope), eq(projects.id, projectId)));
  return row;
}

/**
 * Unscoped: the organization owning a project id, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findProjectOrganization(db: Executor, projectId: string) {
  const [row] = await db
    .select({ organizationId: projects.organizationId })
    .from(projects)
    .where(eq(projects.id, projectId));
  return row?.organizationId;
}

/** By name (oldest first, as names are unique in an organization); `search` matches name or description. */
export async function listProjects(
  db: Executor,
  scope: TenantScope,
  filters: { search?: string | undefined },
  page: Page,
) {
  const conditions: (SQL | undefined)[] = [visible(scope)];
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(projects.name, pattern), ilike(projects.description, pattern)));
  }
  return listPage(db, projects, and(...conditions), [asc(projects.name), asc(projects.id)], page);
}

export async function updateProject(
  db: Executor,
  scope: TenantScope,
  projectId: string,
  change: ProjectChange,
) {
  const [row] = await db
    .update(projects)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(visible(scope), eq(projects.id, projectId)))
    .returning();
  return row;
}

export async function deleteProject(tx: Executor, scope: TenantScope, projectId: string) {
  const rows = await tx
    .delete(projects)
    .where(and(visible(scope), eq(projects.id, projectId)))
    .returning({ id: projects.id });
  return rows.length > 0;
}

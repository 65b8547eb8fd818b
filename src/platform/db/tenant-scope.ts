import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { ForbiddenError, NotFoundError } from '../http/errors.ts';

/**
 * Whose data a query may touch: one organization, and within it one project when the caller is
 * scoped to one (an API key made for a project). Every repository function takes one; a principal
 * is one, so services pass their caller.
 */
export interface TenantScope {
  readonly organizationId: string;
  /** Set for a caller that sees only one project's resources; absent or null: the whole organization. */
  readonly projectId?: string | null | undefined;
}

/**
 * The scope as a where condition on a table's organization column and, for a table whose rows
 * may belong to a project, its project column: a project-scoped caller sees that project's rows only.
 */
export const inScope = (organizationColumn: PgColumn, scope: TenantScope, projectColumn?: PgColumn): SQL => {
  const inOrganization = eq(organizationColumn, scope.organizationId);
  if (!projectColumn || !scope.projectId) return inOrganization;
  return and(inOrganization, eq(projectColumn, scope.projectId)) as SQL;
};

/**
 * The one rule for a resource that a scoped lookup did not find: when it exists in another
 * organization the answer is 403 (the seeds require it), when it does not exist (or was deleted)
 * 404. `ownerOf` reads the organization of the id outside any scope, and only then.
 */
export async function requireInScope<T>(
  found: T | undefined,
  resource: string,
  ownerOf: () => Promise<string | undefined>,
): Promise<T> {
  if (found !== undefined) return found;
  if (await ownerOf()) throw new ForbiddenError();
  throw new NotFoundError(resource);
}

/**
 * `inScope`'s project rule for a row that a statement prepared on the organization alone has read
 * (the hot lookups by id): whether a caller of the scope may see a row of this project.
 */
export const inScopeProject = (scope: TenantScope, projectId: string | null): boolean =>
  !scope.projectId || projectId === scope.projectId;

/**
 * A `?project_id=` filter as a scope: the caller's organization, that project. Queried beside the
 * caller's own scope, so that a filter narrows it and never widens it (a key of another project
 * gets nothing).
 */
export const inProject = (scope: TenantScope, projectId: string): TenantScope => ({
  organizationId: scope.organizationId,
  projectId,
});

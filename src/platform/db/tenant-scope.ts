import { eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { ForbiddenError, NotFoundError } from '../http/errors.ts';

/**
 * Whose data a query may touch: one organization (projects inside it come later). Every
 * repository function takes one; a principal is one, so services pass their caller.
 */
export interface TenantScope {
  readonly organizationId: string;
}

/** The scope as a where condition on a table's organization column. */
export const inScope = (organizationColumn: PgColumn, scope: TenantScope): SQL =>
  eq(organizationColumn, scope.organizationId);

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

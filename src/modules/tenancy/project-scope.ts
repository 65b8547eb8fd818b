import type { Executor } from '../../platform/db/database.ts';
import { ForbiddenError, ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from './principal.ts';
import { findProject } from './project-repository.ts';

/** A field naming a project that is not one of the caller's organization (422 naming the field). */
export const unknownProjectError = (field: string, value: unknown) =>
  new ValidationError(`${field} does not name a project of your organization`, [
    { field, value, message: 'is not a project of your organization' },
  ]);

/**
 * The project a resource that `principal` creates (or moves) goes to, from the `project_id` its
 * request names (undefined: none named). A project-scoped caller's resources always go to its own
 * project, and naming another (or none: null) is refused (403). An organization-wide caller may
 * name a project of its organization (else 422 naming the field) or none (null: the organization
 * at large).
 */
export async function projectFor(
  db: Executor,
  principal: Principal,
  requested: string | null | undefined,
  field = 'project_id',
): Promise<string | null> {
  if (principal.projectId) {
    if (requested === undefined || requested === principal.projectId) return principal.projectId;
    throw new ForbiddenError(
      `A credential scoped to a project places resources in that project only (${field})`,
    );
  }
  if (requested === undefined || requested === null) return null;
  if (!(await findProject(db, principal, requested))) throw unknownProjectError(field, requested);
  return requested;
}

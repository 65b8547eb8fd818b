import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { organizationReferencedBy } from './account-repository.ts';
import { organizations } from './tenancy-tables.ts';

type OrganizationTier = (typeof organizations.$inferSelect)['tier'];

/** The tier of the scope's organization (its rate limits and caps depend on it: the limits module). */
export async function findOrganizationTier(db: Executor, scope: TenantScope) {
  const [row] = await db
    .select({ tier: organizations.tier })
    .from(organizations)
    .where(inScope(organizations.id, scope));
  return row?.tier;
}

/**
 * Operator work, unscoped: sets the tier of the organization named by its id or its slug, and
 * returns it, or undefined when no organization has that id or slug.
 */
export async function updateOrganizationTier(db: Executor, reference: string, tier: OrganizationTier) {
  const [row] = await db
    .update(organizations)
    .set({ tier, updatedAt: new Date() })
    .where(organizationReferencedBy(reference))
    .returning({
      id: organizations.id,
      name: organizations.name,
      slug: organizations.slug,
      tier: organizations.tier,
    });
  return row;
}

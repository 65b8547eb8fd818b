import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database, DatabaseHandle } from '../../platform/db/database.ts';
import { type EventBus, type EventPublisher, startEventBus } from '../../platform/events/event-bus.ts';
import { findOrganizationTier, updateOrganizationTier } from '../tenancy/index.ts';
import type { OrganizationTier } from './limit-settings.ts';

/** Published with every tier change; every process's tier cache listens for it. */
export const TIER_CHANGED_EVENT = 'organization-tier-changed';

const MAX_CACHED_ORGANIZATIONS = 10_000;

/**
 * Each organization's tier, read once per process and kept until its change is announced on the
 * event bus (or the bus reports it may have missed events). An organization that cannot be found
 * (deleted while its token lives on) is limited as `fallback`.
 */
export function createOrganizationTiers(options: {
  db: Database;
  events: Pick<EventBus, 'watch'>;
  fallback: OrganizationTier;
}) {
  const cache = createInvalidatingCache<OrganizationTier>(MAX_CACHED_ORGANIZATIONS);
  const stopWatching = options.events.watch({
    event(event) {
      if (event.type === TIER_CHANGED_EVENT) cache.invalidateGroup(event.organization_id);
    },
    gap: () => cache.clear(),
  });
  return {
    tierOf(organizationId: string): Promise<OrganizationTier> {
      return cache.get(organizationId, 'tier', async () => {
        return (await findOrganizationTier(options.db, { organizationId })) ?? options.fallback;
      });
    },
    close: stopWatching,
  };
}

export type OrganizationTiers = ReturnType<typeof createOrganizationTiers>;

/**
 * Operator work (the `agentry organizations set-tier` command): sets an organization's tier, found
 * by id or slug, and announces it in the same transaction, so that every running process applies
 * it from its next request. Undefined when no organization has that id or slug.
 */
export async function setOrganizationTier(
  db: Database,
  events: Pick<EventPublisher, 'publish'>,
  reference: string,
  tier: OrganizationTier,
) {
  return db.transaction(async (tx) => {
    const organization = await updateOrganizationTier(tx, reference, tier);
    if (organization) {
      await events.publish(
        { type: TIER_CHANGED_EVENT, organization_id: organization.id, data: { tier } },
        { tx },
      );
    }
    return organization;
  });
}

/**
 * `agentry organizations set-tier`: `setOrganizationTier` from a process that runs no server, with
 * an event bus of its own for the announcement.
 */
export async function changeOrganizationTier(
  database: Pick<DatabaseHandle, 'db' | 'connection'>,
  reference: string,
  tier: OrganizationTier,
) {
  // It only publishes: what its own listening connection reports does not concern it.
  const events = await startEventBus(database.connection, database.db, { onError: () => {} });
  try {
    return await setOrganizationTier(database.db, events, reference, tier);
  } finally {
    await events.close();
  }
}

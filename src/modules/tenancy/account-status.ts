import { and, eq } from 'drizzle-orm';
import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { Principal } from './principal.ts';
import type { Role } from './roles.ts';
import { users } from './tenancy-tables.ts';

/** Signed-in users remembered per process; the least recently used is forgotten first. */
const CACHED_ACCOUNTS = 10_000;

/** Published when a user's role or status changes, so that every process drops what it knows. */
export const USER_UPDATED = 'user-updated';

/** What an access token's user may do now: its current role, or nothing at all. */
type AccountState = { active: true; role: Role } | { active: false };

/**
 * Access tokens carry the role they were issued with and live for minutes. Each process keeps the
 * current state of the users it serves (active or not, and their role), loaded once and dropped
 * when it changes: at once in the process that made the change (`forget`, after its commit), and
 * when a `user-updated` event arrives in every other one. So a disabled user is refused, and a
 * demoted one acts with the new role. After the event stream had a gap, everything is loaded again.
 */
export function createAccountStatus(db: Database, events: Pick<EventBus, 'watch'>) {
  const accounts = createInvalidatingCache<AccountState>(CACHED_ACCOUNTS);
  events.watch({
    event(event) {
      if (event.type === USER_UPDATED) accounts.invalidate(event.organization_id, String(event.data.user_id));
    },
    gap: () => accounts.clear(),
  });

  async function load(organizationId: string, userId: string): Promise<AccountState> {
    const [row] = await db
      .select({ role: users.role, status: users.status })
      .from(users)
      .where(and(eq(users.id, userId), eq(users.organizationId, organizationId)));
    return row?.status === 'active' ? { active: true, role: row.role } : { active: false };
  }

  return {
    /** Drops what this process knows of a user whose role or status its own transaction changed. */
    forget: (organizationId: string, userId: string) => accounts.invalidate(organizationId, userId),
    /** The principal of a verified access token as it stands now; null once its user may no longer act. */
    async current(principal: Principal): Promise<Principal | null> {
      const { organizationId, userId } = principal;
      if (!userId) return principal;
      const state = await accounts.get(organizationId, userId, () => load(organizationId, userId));
      if (!state.active) return null;
      return state.role === principal.role ? principal : { ...principal, role: state.role };
    },
  };
}

export type AccountStatus = ReturnType<typeof createAccountStatus>;

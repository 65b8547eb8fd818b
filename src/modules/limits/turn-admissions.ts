import type { TurnAdmission, TurnPermit } from '../execution/index.ts';
import { ConcurrencyLimitedError, OverloadedError } from './limit-errors.ts';
import type { OrganizationTier, PerTier } from './limit-settings.ts';
import type { OrganizationTiers } from './organization-tiers.ts';

/** Background turns (queue jobs, channels) are bounded by their queue's concurrency, not here. */
const unbounded: TurnPermit = { release: () => {} };

/** Seconds a turn refused for overload is told to wait. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 5;

/** A permit that gives its place back once, however many times it is released. */
function permitOf(giveBack: () => void): TurnPermit {
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      giveBack();
    },
  };
}

/**
 * Fairness: the turns one organization may run at once in this process, by tier (429 beyond), so
 * that one organization's burst cannot take the process from the others. `refuseWhenFull` lets the
 * HTTP layer refuse an execution before its body is even read, which keeps a flood of refusals
 * cheap; the admission itself stays the rule for every trigger.
 */
export function concurrentTurnsPerOrganization(tiers: OrganizationTiers, perTier: PerTier) {
  const running = new Map<string, number>();
  const refuseWhenFull = (organizationId: string, tier: OrganizationTier) => {
    if ((running.get(organizationId) ?? 0) >= perTier[tier]) {
      throw new ConcurrencyLimitedError('turns', perTier[tier], tier);
    }
  };
  const admission: TurnAdmission = {
    name: 'concurrent-turns-per-organization',
    async admit({ principal }) {
      if (principal.background) return unbounded;
      const organizationId = principal.organizationId;
      const tier = await tiers.tierOf(organizationId);
      refuseWhenFull(organizationId, tier);
      running.set(organizationId, (running.get(organizationId) ?? 0) + 1);
      return permitOf(() => {
        const left = (running.get(organizationId) ?? 1) - 1;
        if (left > 0) running.set(organizationId, left);
        else running.delete(organizationId);
      });
    },
  };
  return { admission, refuseWhenFull };
}

/** Load shedding: past `max` turns running in this process, new ones are refused with 503. */
export function concurrentTurnsPerProcess(max: number): TurnAdmission {
  let running = 0;
  return {
    name: 'concurrent-turns-per-process',
    admit({ principal }) {
      if (principal.background) return unbounded;
      if (running >= max) throw new OverloadedError(OVERLOAD_RETRY_AFTER_SECONDS);
      running += 1;
      return permitOf(() => {
        running -= 1;
      });
    },
  };
}

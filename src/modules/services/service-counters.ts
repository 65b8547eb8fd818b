import type { Database } from '../../platform/db/database.ts';
import { createWriteBehind } from '../../platform/db/write-behind.ts';
import type { ServiceRef } from './service-calls.ts';
import { addCounters, type CounterDelta } from './service-state-repository.ts';

/**
 * How long a process counts a service's calls before adding them to its row: every service used
 * in that second costs one row in one statement, however many calls it answered.
 */
const COUNTER_WRITE_DELAY_MS = 1_000;

/**
 * Each process's count of its calls to services (successes, failures, the last error), added to
 * the shared rows in batches, off the calls' path. A failed write is reported and its counts are
 * lost: they are statistics, not worth holding a call for. A circuit change takes the counts of
 * its service with it (`take`), so that the row says what opened the circuit at once.
 */
export function createServiceCounters(db: Database, onError: (error: unknown) => void) {
  const pending = new Map<string, CounterDelta>();
  const writes = createWriteBehind<CounterDelta>({
    delayMs: COUNTER_WRITE_DELAY_MS,
    onError,
    write(deltas) {
      // Before the statement: calls counted from now on start a new delta.
      for (const delta of deltas) pending.delete(keyOf(delta.service));
      return addCounters(db, deltas);
    },
  });

  function deltaOf(key: string, service: ServiceRef): CounterDelta {
    let delta = pending.get(key);
    if (!delta) {
      delta = {
        service,
        successes: 0,
        failures: 0,
        lastSuccessAt: null,
        lastFailureAt: null,
        lastError: null,
        consecutiveFailures: 0,
      };
      pending.set(key, delta);
      writes.add(delta);
    }
    return delta;
  }

  return {
    success(key: string, service: ServiceRef) {
      const delta = deltaOf(key, service);
      delta.successes++;
      delta.lastSuccessAt = Date.now();
      delta.consecutiveFailures = 0;
    },
    failure(key: string, service: ServiceRef, error: string, consecutiveFailures: number) {
      const delta = deltaOf(key, service);
      delta.failures++;
      delta.lastFailureAt = Date.now();
      delta.lastError = error;
      delta.consecutiveFailures = consecutiveFailures;
    },
    /** The service's counts not written yet, which the caller writes instead. */
    take(key: string): CounterDelta | undefined {
      const delta = pending.get(key);
      if (delta) {
        pending.delete(key);
        writes.withdraw(delta);
      }
      return delta;
    },
    /** This process's counts not written yet, for a listing that must include them. */
    pendingOf(organizationId: string): Map<string, CounterDelta> {
      const ofOrganization = new Map<string, CounterDelta>();
      for (const [key, delta] of pending) {
        if (delta.service.organizationId === organizationId) ofOrganization.set(key, delta);
      }
      return ofOrganization;
    },
    /** Writes what is waiting (graceful shutdown). */
    flush: () => writes.flush(),
  };
}

export type ServiceCounters = ReturnType<typeof createServiceCounters>;

/** The key of a service in every process's maps: organization, type and id. */
export const keyOf = (service: Pick<ServiceRef, 'organizationId' | 'type' | 'id'>) =>
  `${service.organizationId}:${service.type}:${service.id}`;

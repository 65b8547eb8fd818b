import type { Database } from '../../platform/db/database.ts';
import type { EventBus, EventWatcher } from '../../platform/events/event-bus.ts';
import type { BreakerCount } from '../../platform/observability/metrics.ts';
import {
  type BreakerSnapshot,
  type CircuitBreaker,
  CircuitOpenError,
} from '../../platform/resilience/circuit-breaker.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { ServiceRef } from './service-calls.ts';
import { keyOf, type ServiceCounters } from './service-counters.ts';
import { describeFailure } from './service-failure.ts';
import {
  type CircuitChange,
  claimTrial,
  findServiceState,
  writeCircuitChange,
} from './service-state-repository.ts';
import type { CircuitState, ServiceStateRow } from './service-tables.ts';

/** Announces a circuit's change to every process (and to the organization's event streams). */
export const SERVICE_STATE_CHANGED = 'service-state-changed';

/** Breakers kept per process; past it the least recently created goes (its state stays in the database). */
const MAX_BREAKERS = 10_000;
/** The wait a caller is told while another call is the trial of a half-open circuit. */
const TRIAL_RETRY_AFTER_MS = 1_000;

type BreakerSettings = ServicePolicy['breaker'];

/** What one process knows of one service's circuit. */
interface Circuit {
  key: string;
  service: ServiceRef;
  settings: BreakerSettings;
  countsAsFailure: (error: unknown) => boolean;
  state: CircuitState;
  /** When it opened, exactly as stored: the trial claim names it. */
  openedAt: Date | null;
  /** Open: when it opened; half-open with the trial elsewhere: when that trial was claimed (epoch ms). */
  since: number;
  consecutiveFailures: number;
  /** none; claiming or running: the trial is this process's. */
  trial: 'none' | 'claiming' | 'running';
  /** False until the shared row is read (first use, and after missed events). */
  fresh: boolean;
  /** Reads and writes of the row, one after the other, so that a later one never lands first. */
  queue: Promise<unknown>;
  /** Counts this process's own transitions: a read begun before one is out of date. */
  generation: number;
  rereadPending: boolean;
  /** This process's own counts, for `snapshot()`. */
  successes: number;
  failures: number;
  lastFailure: string | null;
  breaker: CircuitBreaker;
}

const snapshotStates = { closed: 'closed', open: 'open', half_open: 'half-open' } as const;

/**
 * Circuit breakers per organization and service, shared by every process through the database.
 * Each process decides from what it holds in memory, so a call to a healthy service touches no
 * database; its counts are added in batches (`counters`). A change of state (closed → open, the
 * trial of an open circuit, its outcome) is written before the call that caused it returns and
 * announced on the event bus, on which every process holding the service's breaker reads the row
 * again. A process reads the row when it first calls a service, so an open circuit stays open
 * there with its `opened_at`. One process at a time holds the trial of a half-open circuit.
 */
export function createSharedBreakers({
  db,
  events,
  counters,
  onError,
}: {
  db: Database;
  events: Pick<EventBus, 'encode' | 'notification'>;
  counters: ServiceCounters;
  onError: (error: unknown) => void;
}) {
  const circuits = new Map<string, Circuit>();

  /** The change's event, carried by the statement that writes it. */
  const announcement = (circuit: Circuit, state: CircuitState, openedAt: Date | null) =>
    events.notification(
      events.encode({
        type: SERVICE_STATE_CHANGED,
        organization_id: circuit.service.organizationId,
        data: {
          service_type: circuit.service.type,
          service_id: circuit.service.id,
          service_name: circuit.service.name,
          circuit_state: state,
          opened_at: openedAt?.toISOString() ?? null,
        },
      }),
    );

  function serially<T>(circuit: Circuit, work: () => Promise<T>): Promise<T> {
    const done = circuit.queue.then(work, work);
    circuit.queue = done.catch(() => undefined);
    return done;
  }

  function adopt(circuit: Circuit, row: ServiceStateRow | undefined) {
    const state = row?.circuitState ?? 'closed';
    if (state === 'closed' && circuit.state !== 'closed') circuit.consecutiveFailures = 0;
    if (state !== 'closed') circuit.consecutiveFailures = row?.consecutiveFailures ?? 0;
    circuit.state = state;
    circuit.openedAt = row?.openedAt ?? null;
    circuit.since =
      state === 'half_open' ? (row?.updatedAt.getTime() ?? 0) : (circuit.openedAt?.getTime() ?? 0);
  }

  /** Reads the row (first use, a missed event); the service is taken as closed when it cannot be read. */
  function load(circuit: Circuit): Promise<void> {
    return serially(circuit, async () => {
      if (circuit.fresh) return;
      try {
        adopt(circuit, await findServiceState(db, circuit.service));
      } catch (error) {
        onError(error);
      }
      circuit.fresh = true;
    });
  }

  /** Another process changed the circuit: read it again, unless this process changed it since. */
  function reread(circuit: Circuit) {
    if (circuit.rereadPending) return;
    circuit.rereadPending = true;
    void serially(circuit, async () => {
      circuit.rereadPending = false;
      const generation = circuit.generation;
      const row = await findServiceState(db, circuit.service);
      if (generation === circuit.generation && circuit.trial === 'none') adopt(circuit, row);
    }).catch(onError);
  }

  /**
   * Writes this process's transition. A database that cannot take it leaves the circuit as this
   * process decided: it still protects itself, and the others learn from their own calls.
   */
  async function change(circuit: Circuit, next: CircuitChange) {
    circuit.generation++;
    circuit.state = next.state;
    circuit.openedAt = next.openedAt;
    circuit.since = next.openedAt?.getTime() ?? 0;
    const counted = counters.take(circuit.key);
    await serially(circuit, () =>
      writeCircuitChange(
        db,
        circuit.service,
        next,
        counted,
        announcement(circuit, next.state, next.openedAt),
      ),
    ).catch(onError);
  }

  const open = (circuit: Circuit) =>
    change(circuit, {
      state: 'open',
      openedAt: new Date(),
      consecutiveFailures: circuit.consecutiveFailures,
    });

  function refuse(circuit: Circuit, retryAfterMs: number): never {
    throw new CircuitOpenError(circuit.service.name, retryAfterMs);
  }

  /**
   * A call to an open or half-open circuit: refused until the recovery timeout has passed, then
   * the trial if this process can claim it. Resolves true for the trial, false when the circuit
   * turned out closed meanwhile.
   */
  async function admit(circuit: Circuit): Promise<boolean> {
    if (circuit.trial !== 'none') refuse(circuit, TRIAL_RETRY_AFTER_MS);
    const waited = Date.now() - circuit.since;
    const recoveryMs = circuit.settings.recoveryTimeoutMs;
    if (waited < recoveryMs) {
      refuse(circuit, circuit.state === 'half_open' ? TRIAL_RETRY_AFTER_MS : recoveryMs - waited);
    }
    circuit.trial = 'claiming';
    let claimed: ServiceStateRow | undefined;
    let current: ServiceStateRow | undefined;
    try {
      [claimed, current] = await serially(circuit, async () => {
        const row = await claimTrial(
          db,
          circuit.service,
          circuit.openedAt,
          recoveryMs,
          announcement(circuit, 'half_open', circuit.openedAt),
        );
        return [row, row ?? (await findServiceState(db, circuit.service))] as const;
      });
    } catch (error) {
      // Without the database to arbitrate, the trial is this process's, as a lone breaker's would be.
      onError(error);
      circuit.trial = 'running';
      circuit.state = 'half_open';
      return true;
    }
    circuit.generation++;
    adopt(circuit, current);
    if (claimed) {
      circuit.trial = 'running';
      return true;
    }
    circuit.trial = 'none';
    if (circuit.state === 'closed') return false;
    return refuse(
      circuit,
      circuit.state === 'half_open'
        ? TRIAL_RETRY_AFTER_MS
        : Math.max(0, recoveryMs - (Date.now() - circuit.since)),
    );
  }

  function counted(circuit: Circuit) {
    circuit.successes++;
    counters.success(circuit.key, circuit.service);
    if (circuit.state === 'closed') circuit.consecutiveFailures = 0;
  }

  /** The trial answered: the circuit closes, for every process. */
  async function recovered(circuit: Circuit) {
    circuit.successes++;
    counters.success(circuit.key, circuit.service);
    circuit.trial = 'none';
    circuit.consecutiveFailures = 0;
    await change(circuit, { state: 'closed', openedAt: null, consecutiveFailures: 0 });
  }

  async function failed(circuit: Circuit, error: unknown, isTrial: boolean) {
    if (!circuit.countsAsFailure(error)) {
      // Says nothing about the service (the caller's own mistake): the trial is handed back.
      if (isTrial) {
        circuit.trial = 'none';
        await change(circuit, {
          state: 'open',
          openedAt: circuit.openedAt,
          consecutiveFailures: circuit.consecutiveFailures,
        });
      }
      return;
    }
    const description = describeFailure(error);
    circuit.failures++;
    circuit.lastFailure = description;
    // A call that began before the circuit opened elsewhere counts, and changes nothing.
    if (!isTrial && circuit.state !== 'closed') {
      counters.failure(circuit.key, circuit.service, description, circuit.consecutiveFailures);
      return;
    }
    circuit.consecutiveFailures++;
    counters.failure(circuit.key, circuit.service, description, circuit.consecutiveFailures);
    if (isTrial) circuit.trial = 'none';
    if (isTrial || circuit.consecutiveFailures >= circuit.settings.failureThreshold) await open(circuit);
  }

  function create(key: string, service: ServiceRef, settings: BreakerSettings): Circuit {
    const circuit: Circuit = {
      key,
      service,
      settings,
      countsAsFailure: () => true,
      state: 'closed',
      openedAt: null,
      since: 0,
      consecutiveFailures: 0,
      trial: 'none',
      fresh: false,
      queue: Promise.resolve(),
      generation: 0,
      rereadPending: false,
      successes: 0,
      failures: 0,
      lastFailure: null,
      breaker: {
        name: service.name,
        async execute<T>(operation: () => Promise<T>): Promise<T> {
          if (!circuit.fresh) await load(circuit);
          const isTrial = circuit.state === 'closed' ? false : await admit(circuit);
          let result: T;
          try {
            result = await operation();
          } catch (error) {
            await failed(circuit, error, isTrial);
            throw error;
          }
          if (isTrial) await recovered(circuit);
          else counted(circuit);
          return result;
        },
        snapshot: (): BreakerSnapshot => ({
          name: circuit.service.name,
          state: snapshotStates[circuit.state],
          consecutive_failures: circuit.consecutiveFailures,
          opened_at: circuit.openedAt?.toISOString() ?? null,
          last_failure: circuit.lastFailure,
          successes: circuit.successes,
          failures: circuit.failures,
        }),
      },
    };
    return circuit;
  }

  return {
    /** The service's breaker in this process, with the service's current name and settings. */
    breakerFor(
      service: ServiceRef,
      settings: BreakerSettings,
      countsAsFailure: (error: unknown) => boolean,
    ): CircuitBreaker {
      const key = keyOf(service);
      let circuit = circuits.get(key);
      if (!circuit) {
        circuit = create(key, service, settings);
        circuits.set(key, circuit);
        if (circuits.size > MAX_BREAKERS) circuits.delete(circuits.keys().next().value as string);
      }
      circuit.service = service;
      circuit.settings = settings;
      circuit.countsAsFailure = countsAsFailure;
      return circuit.breaker;
    },

    /** How many breakers this process holds per service type and state (metrics, read when scraped). */
    stateCounts(): BreakerCount[] {
      const counts = new Map<string, BreakerCount>();
      for (const { service, state } of circuits.values()) {
        const key = `${service.type}:${state}`;
        const found = counts.get(key);
        if (found) found.count++;
        else counts.set(key, { serviceType: service.type, state, count: 1 });
      }
      return [...counts.values()];
    },

    /** Keeps the breakers right across processes: watch every organization's events with it. */
    watcher: {
      event(event) {
        if (event.type !== SERVICE_STATE_CHANGED) return;
        const { service_type, service_id } = event.data as { service_type?: string; service_id?: string };
        const circuit = circuits.get(`${event.organization_id}:${service_type}:${service_id}`);
        if (circuit?.fresh) reread(circuit);
      },
      gap() {
        for (const circuit of circuits.values()) circuit.fresh = false;
      },
    } satisfies EventWatcher,
  };
}

export type SharedBreakers = ReturnType<typeof createSharedBreakers>;

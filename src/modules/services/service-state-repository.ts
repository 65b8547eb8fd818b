import { and, eq, getTableColumns, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import {
  type CircuitState,
  type ServiceStateRow,
  type ServiceType,
  serviceStates,
} from './service-tables.ts';

/** One service of one organization: the key of its state row. */
export interface ServiceKey {
  organizationId: string;
  type: ServiceType;
  id: string;
}

/** Calls counted by one process since its last write, added to the row's totals. */
export interface CounterDelta {
  service: ServiceKey & { name: string };
  successes: number;
  failures: number;
  /** Epoch milliseconds. */
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  /** The process's run of failures in a row when it counted the last call. */
  consecutiveFailures: number;
}

/** A circuit's state as one process decided it. */
export interface CircuitChange {
  state: CircuitState;
  openedAt: Date | null;
  consecutiveFailures: number;
}

const isKey = (service: ServiceKey) =>
  and(
    eq(serviceStates.organizationId, service.organizationId),
    eq(serviceStates.serviceType, service.type),
    eq(serviceStates.serviceId, service.id),
  );

const at = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs));

export async function findServiceState(db: Executor, service: ServiceKey) {
  const [row] = await db.select().from(serviceStates).where(isKey(service));
  return row;
}

export function listServiceStates(db: Executor, scope: TenantScope): Promise<ServiceStateRow[]> {
  return db.select().from(serviceStates).where(inScope(serviceStates.organizationId, scope));
}

/**
 * Writes a circuit's new state, with the calls the process counted meanwhile, and announces it in
 * the same statement (`announcement`, a `pg_notify` expression): the change and its event commit
 * together. Returns the row as written.
 */
export async function writeCircuitChange(
  db: Executor,
  service: ServiceKey & { name: string },
  change: CircuitChange,
  counted: CounterDelta | undefined,
  announcement: SQL,
): Promise<ServiceStateRow> {
  const [row] = await db
    .insert(serviceStates)
    .values({
      organizationId: service.organizationId,
      serviceType: service.type,
      serviceId: service.id,
      serviceName: service.name,
      circuitState: change.state,
      consecutiveFailures: change.consecutiveFailures,
      openedAt: change.openedAt,
      successCount: counted?.successes ?? 0,
      failureCount: counted?.failures ?? 0,
      lastSuccessAt: at(counted?.lastSuccessAt ?? null),
      lastFailureAt: at(counted?.lastFailureAt ?? null),
      lastError: counted?.lastError ?? null,
    })
    .onConflictDoUpdate({
      target: [serviceStates.organizationId, serviceStates.serviceType, serviceStates.serviceId],
      set: {
        serviceName: service.name,
        circuitState: change.state,
        consecutiveFailures: change.consecutiveFailures,
        openedAt: change.openedAt,
        ...addedCounters,
        updatedAt: sql`now()`,
      },
    })
    .returning({ ...getTableColumns(serviceStates), announced: sql`${announcement}` });
  const { announced: _announced, ...written } = row as ServiceStateRow & { announced: unknown };
  return written;
}

/** The counter columns of an upsert: the new calls added, the latest times and error kept. */
const addedCounters = {
  successCount: sql`${serviceStates.successCount} + excluded.success_count`,
  failureCount: sql`${serviceStates.failureCount} + excluded.failure_count`,
  lastSuccessAt: sql`greatest(${serviceStates.lastSuccessAt}, excluded.last_success_at)`,
  lastFailureAt: sql`greatest(${serviceStates.lastFailureAt}, excluded.last_failure_at)`,
  lastError: sql`case when excluded.last_failure_at >= ${serviceStates.lastFailureAt}
    or ${serviceStates.lastFailureAt} is null then coalesce(excluded.last_error, ${serviceStates.lastError})
    else ${serviceStates.lastError} end`,
};

/**
 * Claims the trial call of an open circuit for the calling process: the circuit turns half-open
 * if it is still the one opened at `openedAt`, or if another process claimed its trial more than
 * `staleAfterMs` ago and never told the outcome (it died). Returns the row when claimed.
 */
export async function claimTrial(
  db: Executor,
  service: ServiceKey,
  openedAt: Date | null,
  staleAfterMs: number,
  announcement: SQL,
): Promise<ServiceStateRow | undefined> {
  const stillOpen = and(
    eq(serviceStates.circuitState, 'open'),
    openedAt ? eq(serviceStates.openedAt, openedAt) : isNull(serviceStates.openedAt),
  );
  const abandonedTrial = and(
    eq(serviceStates.circuitState, 'half_open'),
    lte(serviceStates.updatedAt, sql`now() - ${staleAfterMs} * interval '1 millisecond'`),
  );
  const [row] = await db
    .update(serviceStates)
    .set({ circuitState: 'half_open', updatedAt: sql`now()` })
    .where(and(isKey(service), or(stillOpen, abandonedTrial)))
    .returning({ ...getTableColumns(serviceStates), announced: sql`${announcement}` });
  if (!row) return undefined;
  const { announced: _announced, ...claimed } = row as ServiceStateRow & { announced: unknown };
  return claimed;
}

/**
 * Adds the calls processes counted to their services' rows, in one statement per batch; a row is
 * created for a service's first calls. The run of failures is the counting process's, kept while
 * the circuit is closed (an open circuit keeps the run that opened it).
 */
export async function addCounters(db: Executor, deltas: CounterDelta[]) {
  // In key order: two processes adding to the same rows lock them in the same order.
  const keyOf = ({ service }: CounterDelta) => `${service.organizationId}:${service.type}:${service.id}`;
  const sorted = [...deltas].sort((first, second) => (keyOf(first) < keyOf(second) ? -1 : 1));
  const column = <T>(value: (delta: CounterDelta) => T) => sql.param(sorted.map(value));
  const iso = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs).toISOString());
  await db.execute(sql`insert into service_states as state (organization_id, service_type, service_id,
      service_name, success_count, failure_count, last_success_at, last_failure_at, last_error,
      consecutive_failures)
    select * from unnest(
      ${column((delta) => delta.service.organizationId)}::uuid[],
      ${column((delta) => delta.service.type)}::text[],
      ${column((delta) => delta.service.id)}::uuid[],
      ${column((delta) => delta.service.name)}::text[],
      ${column((delta) => delta.successes)}::bigint[],
      ${column((delta) => delta.failures)}::bigint[],
      ${column((delta) => iso(delta.lastSuccessAt))}::timestamptz[],
      ${column((delta) => iso(delta.lastFailureAt))}::timestamptz[],
      ${column((delta) => delta.lastError)}::text[],
      ${column((delta) => delta.consecutiveFailures)}::int[]
    )
    on conflict (organization_id, service_type, service_id) do update set
      service_name = excluded.service_name,
      success_count = state.success_count + excluded.success_count,
      failure_count = state.failure_count + excluded.failure_count,
      last_success_at = greatest(state.last_success_at, excluded.last_success_at),
      last_failure_at = greatest(state.last_failure_at, excluded.last_failure_at),
      last_error = case when state.last_failure_at is null or excluded.last_failure_at >= state.last_failure_at
        then coalesce(excluded.last_error, state.last_error) else state.last_error end,
      consecutive_failures = case when state.circuit_state = 'closed'
        then excluded.consecutive_failures else state.consecutive_failures end`);
}

import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { KnownService, ServiceCatalog } from './service-catalog.ts';
import { keyOf, type ServiceCounters } from './service-counters.ts';
import type { ListServiceHealthQuery, ServiceHealthView, ServiceStatus } from './service-schemas.ts';
import { type CounterDelta, listServiceStates } from './service-state-repository.ts';
import { type CircuitState, type ServiceStateRow, serviceTypes } from './service-tables.ts';

/** Owner's check statuses that say the service answered it, or that it did not. */
const passedChecks = new Set(['connected', 'healthy', 'ok']);
const failedChecks = new Set(['error', 'failed', 'unhealthy', 'disconnected']);

/** What is known of one service's calls: the shared row plus this process's counts not yet in it. */
interface CallRecord {
  circuit: CircuitState;
  consecutiveFailures: number;
  openedAt: Date | null;
  successes: number;
  failures: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

const later = (first: number | null, second: number | null) =>
  first === null ? second : second === null ? first : Math.max(first, second);

function recordOf(row: ServiceStateRow | undefined, pending: CounterDelta | undefined): CallRecord {
  const circuit = row?.circuitState ?? 'closed';
  const rowFailureAt = row?.lastFailureAt?.getTime() ?? null;
  const pendingFailureAt = pending?.lastFailureAt ?? null;
  const pendingIsLater =
    pendingFailureAt !== null && (rowFailureAt === null || pendingFailureAt >= rowFailureAt);
  return {
    circuit,
    consecutiveFailures:
      circuit === 'closed' && pending ? pending.consecutiveFailures : (row?.consecutiveFailures ?? 0),
    openedAt: row?.openedAt ?? null,
    successes: (row?.successCount ?? 0) + (pending?.successes ?? 0),
    failures: (row?.failureCount ?? 0) + (pending?.failures ?? 0),
    lastSuccessAt: later(row?.lastSuccessAt?.getTime() ?? null, pending?.lastSuccessAt ?? null),
    lastFailureAt: later(rowFailureAt, pendingFailureAt),
    lastError: pendingIsLater ? (pending?.lastError ?? null) : (row?.lastError ?? null),
  };
}

/**
 * The status rules (docs/services.md): the circuit first, then the owner's own check unless a
 * call succeeded after it, then the latest calls, then whatever says the service answers.
 */
export function statusOf(record: CallRecord, check: KnownService['check']): ServiceStatus {
  if (record.circuit === 'open') return 'unhealthy';
  if (record.circuit === 'half_open') return 'degraded';
  const checkedAt = check?.checked_at ? Date.parse(check.checked_at) : null;
  const checkFailed =
    check !== null &&
    (failedChecks.has(check.status) || (check.error !== null && !passedChecks.has(check.status)));
  const succeededSinceCheck = record.lastSuccessAt !== null && record.lastSuccessAt > (checkedAt ?? 0);
  if (checkFailed && !succeededSinceCheck) return 'unhealthy';
  const failingLately =
    record.lastFailureAt !== null &&
    (record.lastSuccessAt === null || record.lastFailureAt > record.lastSuccessAt);
  if (record.consecutiveFailures > 0 || failingLately) return 'degraded';
  if (record.lastSuccessAt !== null || (check !== null && passedChecks.has(check.status))) return 'healthy';
  return 'unknown';
}

const iso = (epochMs: number | null) => (epochMs === null ? null : new Date(epochMs).toISOString());
const legacyStates = { closed: 'closed', open: 'open', half_open: 'half-open' } as const;

export function toServiceHealthView(service: KnownService, record: CallRecord): ServiceHealthView {
  const checkedAt = service.check?.checked_at ? Date.parse(service.check.checked_at) : null;
  const view: ServiceHealthView = {
    service_name: service.name,
    service_type: service.type,
    service_id: service.id,
    endpoint: service.endpoint,
    enabled: service.enabled,
    status: statusOf(record, service.check),
    last_check: iso(later(later(record.lastSuccessAt, record.lastFailureAt), checkedAt)),
    error_count: record.failures,
    success_count: record.successes,
    circuit_breaker_state: record.circuit,
    consecutive_failures: record.consecutiveFailures,
    opened_at: record.openedAt?.toISOString() ?? null,
    last_success_at: iso(record.lastSuccessAt),
    last_failure_at: iso(record.lastFailureAt),
    last_error: record.lastError,
    metadata: { check: service.check },
  };
  if (service.type !== 'llm_provider') return view;
  // The names of the providers' breaker listing this one replaced, for the clients written against it.
  return {
    ...view,
    provider_id: service.id,
    provider_name: service.name,
    state: legacyStates[record.circuit],
    last_failure: record.lastError?.split(': ')[0] ?? null,
    successes: record.successes,
    failures: record.failures,
  };
}

const typeOrder = (type: KnownService['type']) => serviceTypes.indexOf(type);

/**
 * `GET /health/services`: every service the organization's catalogs name (its providers, MCP
 * servers and HTTP tools), each with its shared state. State of a service no catalog names any
 * more (a deleted provider) is not shown.
 */
export function createServiceHealth({
  db,
  catalogs,
  counters,
}: {
  db: Database;
  catalogs: readonly ServiceCatalog[];
  counters: Pick<ServiceCounters, 'pendingOf'>;
}) {
  return {
    async list(scope: TenantScope, query: ListServiceHealthQuery) {
      const [known, rows] = await Promise.all([
        Promise.all(catalogs.map((catalog) => catalog(scope))),
        listServiceStates(db, scope),
      ]);
      const rowsByKey = new Map(
        rows.map((row) => [keyOf({ ...row, type: row.serviceType, id: row.serviceId }), row]),
      );
      const pending = counters.pendingOf(scope.organizationId);
      const items = known
        .flat()
        .filter((service) => !query.service_type || service.type === query.service_type)
        .map((service) => {
          const key = keyOf({ organizationId: scope.organizationId, type: service.type, id: service.id });
          return toServiceHealthView(service, recordOf(rowsByKey.get(key), pending.get(key)));
        })
        .filter((view) => !query.status || view.status === query.status)
        .sort(
          (first, second) =>
            typeOrder(first.service_type) - typeOrder(second.service_type) ||
            first.service_name.localeCompare(second.service_name) ||
            first.service_id.localeCompare(second.service_id),
        );
      return { items: items.slice(query.offset, query.offset + query.limit), total: items.length };
    },
  };
}

export type ServiceHealth = ReturnType<typeof createServiceHealth>;

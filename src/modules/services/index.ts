import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { BreakerCount } from '../../platform/observability/metrics.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createServiceCalls, type ServiceCalls } from './service-calls.ts';
import type { ServiceCatalog } from './service-catalog.ts';
import { createServiceCounters } from './service-counters.ts';
import { createServiceHealth } from './service-health.ts';
import { serviceRoutes } from './service-routes.ts';
import { createSharedBreakers } from './shared-breakers.ts';

export {
  CircuitOpenError,
  RetriesExhaustedError,
  type ServiceCallOptions,
  type ServiceCalls,
  type ServiceRef,
  ServiceTimeoutError,
} from './service-calls.ts';
export type { KnownService, ServiceCatalog } from './service-catalog.ts';
export { type ServicePolicyView, servicePolicyView, toPolicyView } from './service-schemas.ts';
export type { ServiceType } from './service-tables.ts';
export { SERVICE_STATE_CHANGED } from './shared-breakers.ts';

/**
 * External services (seed 004): every call to a provider, MCP server or HTTP tool goes through
 * `calls`, whose circuit breakers every process shares through the database, and each module that
 * owns services adds a catalog of them for the health listing (`GET /health/services`).
 */
export async function registerServices(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    events: Pick<EventBus, 'encode' | 'notification' | 'watch'>;
  },
): Promise<{
  calls: ServiceCalls;
  addCatalog(catalog: ServiceCatalog): void;
  /** The breakers of this process by service type and state, for metrics. */
  breakerStates(): BreakerCount[];
}> {
  const counters = createServiceCounters(options.db, (error) =>
    app.log.error({ err: error }, 'counting service calls failed'),
  );
  const breakers = createSharedBreakers({
    db: options.db,
    events: options.events,
    counters,
    onError: (error) => app.log.error({ err: error }, 'sharing a circuit breaker’s state failed'),
  });
  options.events.watch(breakers.watcher);
  // Calls end before the server closes; then the counts still waiting are written.
  app.addHook('onClose', () => counters.flush());
  const catalogs: ServiceCatalog[] = [];
  const health = createServiceHealth({ db: options.db, catalogs, counters });
  await app.register(serviceRoutes(health, options.guard), { prefix: '/api/v1' });
  return {
    calls: createServiceCalls(breakers),
    addCatalog: (catalog) => catalogs.push(catalog),
    breakerStates: breakers.stateCounts,
  };
}

import type { FastifyInstance } from 'fastify';
import type { OperatorProviderSetting } from '../../config.ts';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import { createOutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createOperatorProviders } from './operator-providers.ts';
import { providerCatalog } from './provider-catalog.ts';
import { createProviderConnections } from './provider-connections.ts';
import { createProviderDirectory } from './provider-directory.ts';
import { providerValidationJob } from './provider-jobs.ts';
import { providerRoutes } from './provider-routes.ts';
import { createProviderService } from './provider-service.ts';

export { isOperatorProviderId, operatorProviderIds } from './operator-providers.ts';
export type { ProviderDescription } from './provider-connections.ts';
export { builtinOfflineConnection } from './provider-connections.ts';
export type { ProviderView } from './provider-schemas.ts';

export interface ProvidersOptions {
  db: Database;
  guard: AccessGuard;
  queue: JobQueue;
  jobs: JobRegistry;
  /** Announces provider changes to the organization's clients and to every process's caches. */
  events: Pick<EventBus, 'publish' | 'watch'>;
  /** Encrypts provider keys at rest (AGENTRY_SECRET_KEY, resolved by the server). */
  secretKey: Buffer;
  outboundAllowlist: string[];
  operatorProviders: OperatorProviderSetting[];
  operatorProvidersShared: boolean;
  validationTimeoutSeconds: number;
  /** The LLM_* retry, timeout and breaker settings; a provider's own settings override them. */
  resilience: ServicePolicy;
}

/**
 * LLM providers: the organization's own and the operator's shared ones, their background
 * validation, the service API the execution pipeline resolves a provider's connection with, and
 * their catalog as external services.
 */
export async function registerProviders(app: FastifyInstance, options: ProvidersOptions) {
  const secretBox = createSecretBox(options.secretKey);
  const outboundGuard = createOutboundGuard({ allowlist: options.outboundAllowlist });
  const operators = createOperatorProviders({
    db: options.db,
    settings: options.operatorProviders,
    shared: options.operatorProvidersShared,
    secretKey: options.secretKey,
  });
  const connections = createProviderConnections({ db: options.db, secretBox, operators });
  options.events.watch(connections.watcher);
  const service = createProviderService({
    db: options.db,
    queue: options.queue,
    secretBox,
    outboundGuard,
    operators,
    events: options.events,
    onChanged: connections.forget,
    defaults: options.resilience,
  });
  await app.register(providerRoutes(service, options.guard), { prefix: '/api/v1' });
  options.jobs.add(
    providerValidationJob({
      db: options.db,
      secretBox,
      operators,
      fetch: outboundGuard.fetch,
      timeoutMs: options.validationTimeoutSeconds * 1000,
      events: options.events,
    }),
  );
  options.jobs.atStart((queue) => operators.synchronize(queue));
  return {
    /** The providers of an organization as external services (GET /health/services). */
    catalog: providerCatalog({ db: options.db, operators }),
    providers: {
      resolveConnection: connections.resolveConnection,
      describeProvider: connections.describeProvider,
      /** Which provider an agent names by id, name or type, among those the organization may use. */
      findUsableProvider: createProviderDirectory({ db: options.db, operators }).find,
    },
  };
}

/**
 * `findUsableProvider` for a process that runs no server (an operator command): the same lookup
 * over the organization's providers and the operator's shared ones.
 */
export function usableProviderLookup(
  options: Pick<ProvidersOptions, 'db' | 'operatorProviders' | 'operatorProvidersShared' | 'secretKey'>,
) {
  const operators = createOperatorProviders({
    db: options.db,
    settings: options.operatorProviders,
    shared: options.operatorProvidersShared,
    secretKey: options.secretKey,
  });
  return createProviderDirectory({ db: options.db, operators }).find;
}

/** The providers' service API: `resolveConnection`, `describeProvider` and `findUsableProvider`. */
export type Providers = Awaited<ReturnType<typeof registerProviders>>['providers'];

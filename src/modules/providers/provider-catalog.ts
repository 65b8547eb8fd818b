import type { Database } from '../../platform/db/database.ts';
import { defaultBaseUrls } from '../../platform/llm/provider-connection.ts';
import type { KnownService, ServiceCatalog } from '../services/index.ts';
import type { OperatorProviders } from './operator-providers.ts';
import { listProviderServices } from './provider-repository.ts';

/**
 * The providers an organization's calls may go to, for the services' health listing: its own
 * (active or not) and the operator's it may use. Offline providers call nothing and are no service.
 * An operator provider's endpoint is not disclosed, as on GET /providers.
 */
export function providerCatalog({
  db,
  operators,
}: {
  db: Database;
  operators: OperatorProviders;
}): ServiceCatalog {
  return async (scope) => {
    const [own, operator] = await Promise.all([listProviderServices(db, scope), operators.visible()]);
    const services: KnownService[] = own.map((row) => ({
      type: 'llm_provider',
      id: row.id,
      name: row.name,
      endpoint: row.baseUrl ?? defaultBaseUrls[row.type] ?? null,
      enabled: row.isActive,
      check: {
        status: row.validationStatus,
        checked_at: row.validatedAt?.toISOString() ?? null,
        error: row.validationError,
      },
    }));
    for (const { provider, row } of operator) {
      services.push({
        type: 'llm_provider',
        id: provider.id,
        name: provider.name,
        endpoint: null,
        enabled: true,
        check: {
          status: row?.validationStatus ?? 'pending',
          checked_at: row?.validatedAt?.toISOString() ?? null,
          error: row?.validationError ?? null,
        },
      });
    }
    return services;
  };
}

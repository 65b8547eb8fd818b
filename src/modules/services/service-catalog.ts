import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { ServiceType } from './service-tables.ts';

/** A service an organization has configured, as the module that owns it describes it. */
export interface KnownService {
  type: ServiceType;
  id: string;
  name: string;
  /** Its host or endpoint without credentials; null for one that has none (the offline model). */
  endpoint: string | null;
  enabled: boolean;
  /** The owner's own last check (a provider's validation, an MCP server's connection), when it has one. */
  check: { status: string; checked_at: string | null; error: string | null } | null;
}

/** Lists the services of one kind an organization has: each module that owns services adds one. */
export type ServiceCatalog = (scope: TenantScope) => Promise<KnownService[]>;

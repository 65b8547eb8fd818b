import { iso } from '../../platform/http/common-schemas.ts';
import { policyOf, type ServicePolicy } from '../../platform/resilience/service-policy.ts';
import { toPolicyView } from '../services/index.ts';
import type { OperatorProviderRow } from './operator-provider-repository.ts';
import type { OperatorProvider } from './operator-providers.ts';
import type { ProviderRow } from './provider-repository.ts';
import type { ProviderView } from './provider-schemas.ts';

/** Never the key: only whether there is one and, for long keys, its last four characters. */
export const toProviderView = (row: ProviderRow, defaults: ServicePolicy): ProviderView => ({
  id: row.id,
  organization_id: row.organizationId,
  scope: 'organization',
  name: row.name,
  type: row.type,
  base_url: row.baseUrl,
  has_api_key: row.apiKeyCiphertext !== null,
  api_key_last4: row.apiKeyCiphertext !== null ? row.apiKeyLast4 : null,
  is_active: row.isActive,
  is_default: row.isDefault,
  validation_status: row.validationStatus,
  validation_error: row.validationError,
  validated_at: iso(row.validatedAt),
  models: row.models,
  retry_config: row.retryConfig,
  circuit_breaker_config: row.circuitBreakerConfig,
  resilience: toPolicyView(policyOf(defaults, row)),
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/**
 * An operator provider as organizations see it: nothing about its key (not even whether there is
 * one) and not its URL, which may name the operator's internal hosts.
 */
export function toOperatorProviderView(
  provider: OperatorProvider,
  row: OperatorProviderRow | undefined,
  defaults: ServicePolicy,
): ProviderView {
  const now = new Date().toISOString();
  return {
    id: provider.id,
    organization_id: null,
    scope: 'operator',
    name: provider.name,
    type: provider.type,
    base_url: null,
    has_api_key: true,
    api_key_last4: null,
    is_active: true,
    is_default: false,
    validation_status: row?.validationStatus ?? 'pending',
    validation_error: row?.validationError ?? null,
    validated_at: iso(row?.validatedAt ?? null),
    models: row?.models ?? [],
    retry_config: null,
    circuit_breaker_config: null,
    resilience: toPolicyView(defaults),
    created_by_user_id: null,
    created_by_api_key_id: null,
    created_at: row?.createdAt.toISOString() ?? now,
    updated_at: row?.updatedAt.toISOString() ?? now,
  };
}

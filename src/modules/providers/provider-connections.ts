import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { BadRequestError } from '../../platform/http/errors.ts';
import type { ProviderConnection, ProviderType } from '../../platform/llm/provider-connection.ts';
import type { Principal } from '../tenancy/index.ts';
import type { OperatorProvider, OperatorProviders } from './operator-providers.ts';
import { openApiKey } from './provider-keys.ts';
import {
  findDefaultProvider,
  findProviderOrganization,
  type ProviderRow,
  prepareProviderLookup,
} from './provider-repository.ts';
import type { ValidationStatus } from './provider-tables.ts';

/** What the execution pipeline may show or check about a provider, without its key. */
export interface ProviderDescription {
  id: string;
  name: string;
  type: ProviderType;
  /** builtin: the offline model used when nothing else is configured. */
  scope: 'organization' | 'operator' | 'builtin';
  validation_status: ValidationStatus;
  validation_error: string | null;
  is_active: boolean;
}

/** Resolved connections remembered per process (organization and provider); oldest forgotten first. */
const CONNECTION_CACHE_SIZE = 10_000;
/** The cache key of an agent without a provider: the organization's default chain. */
const DEFAULT_PROVIDER = '(default)';
/** Changes after which an organization's connections are resolved again. */
const providerChanges = new Set(['provider-created', 'provider-updated', 'provider-deleted']);

/** Opened keys remembered per process (a few providers serve many turns); oldest forgotten first. */
const OPENED_KEYS_SIZE = 1_000;

/** The built-in deterministic model: no network, no key (DESIGN section 6). */
export const builtinOfflineConnection: ProviderConnection = {
  id: 'offline',
  name: 'Offline model',
  type: 'offline',
  baseUrl: null,
  apiKey: null,
};

type Resolved =
  | { scope: 'organization'; row: ProviderRow }
  | { scope: 'operator'; provider: OperatorProvider }
  | { scope: 'builtin' };

function refuseInactive(row: ProviderRow): ProviderRow {
  if (!row.isActive) {
    throw new BadRequestError(
      'provider_inactive',
      `The provider "${row.name}" is inactive: activate it or choose another provider`,
      { provider_id: row.id },
    );
  }
  return row;
}

/**
 * The service API the execution pipeline calls: which provider a turn uses, and with which key.
 * The chain for an agent without a provider: the organization's default, then the operator's
 * first shared provider, then the built-in offline model.
 */
export function createProviderConnections({
  db,
  secretBox,
  operators,
}: {
  db: Database;
  secretBox: SecretBox;
  operators: OperatorProviders;
}) {
  const findProvider = prepareProviderLookup(db);
  const connections = createInvalidatingCache<ProviderConnection>(CONNECTION_CACHE_SIZE);

  // Opening a key is deterministic (same row, same ciphertext: same key), so each sealed key is
  // opened once per process rather than at every turn. A new key is a new ciphertext.
  const openedKeys = new Map<string, string | null>();
  function apiKeyOf(row: ProviderRow): string | null {
    if (row.apiKeyCiphertext === null) return null;
    const cacheKey = `${row.id}.${row.apiKeyCiphertext}`;
    const known = openedKeys.get(cacheKey);
    if (known !== undefined) return known;
    const apiKey = openApiKey(secretBox, row.id, row.apiKeyCiphertext);
    if (openedKeys.size >= OPENED_KEYS_SIZE) openedKeys.delete(openedKeys.keys().next().value as string);
    openedKeys.set(cacheKey, apiKey);
    return apiKey;
  }

  async function resolve(principal: Principal, providerId: string | null): Promise<Resolved> {
    if (providerId !== null) {
      const operator = operators.forOrganization(providerId);
      if (operator) return { scope: 'operator', provider: operator };
      const row = await requireInScope(await findProvider(principal, providerId), 'Provider', () =>
        findProviderOrganization(db, providerId),
      );
      return { scope: 'organization', row };
    }
    const fallback = await findDefaultProvider(db, principal);
    if (fallback) return { scope: 'organization', row: fallback };
    const [firstOperator] = await operators.visible();
    return firstOperator ? { scope: 'operator', provider: firstOperator.provider } : { scope: 'builtin' };
  }

  async function connect(principal: Principal, providerId: string | null): Promise<ProviderConnection> {
    const resolved = await resolve(principal, providerId);
    if (resolved.scope === 'builtin') return builtinOfflineConnection;
    if (resolved.scope === 'operator') {
      const { id, name, type, baseUrl, apiKey } = resolved.provider;
      return { id, name, type, baseUrl, apiKey };
    }
    const row = refuseInactive(resolved.row);
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      baseUrl: row.baseUrl,
      apiKey: apiKeyOf(row),
      resilience: { retryConfig: row.retryConfig, circuitBreakerConfig: row.circuitBreakerConfig },
    };
  }

  return {
    /**
     * The provider to call for `providerId` (an agent's provider_id), with its key decrypted.
     * Throws 400 provider_inactive, 403 for another organization's provider (or operator providers
     * that are not shared), 404 for an unknown or deleted one.
     */
    resolveConnection: (principal: Principal, providerId: string | null): Promise<ProviderConnection> =>
      connections.get(principal.organizationId, providerId ?? DEFAULT_PROVIDER, () =>
        connect(principal, providerId),
      ),

    /** The organization's providers changed (committed): its next turns resolve them again. */
    forget: (organizationId: string) => connections.invalidateGroup(organizationId),

    /** Keeps the connections right across processes: watch every organization's events with it. */
    watcher: {
      event(event) {
        if (providerChanges.has(event.type)) connections.invalidateGroup(event.organization_id);
      },
      gap: () => connections.clear(),
    } satisfies EventWatcher,

    /**
     * The same resolution, described without the key (for a test endpoint or a run record). An
     * inactive provider is described rather than refused: the caller decides what to say.
     */
    async describeProvider(principal: Principal, providerId: string | null): Promise<ProviderDescription> {
      const resolved = await resolve(principal, providerId);
      if (resolved.scope === 'organization') return describeRow(resolved.row);
      if (resolved.scope === 'builtin') {
        const { id, name, type } = builtinOfflineConnection;
        return {
          id,
          name,
          type,
          scope: 'builtin',
          validation_status: 'connected',
          validation_error: null,
          is_active: true,
        };
      }
      const state = (await operators.visible()).find(({ provider }) => provider.id === resolved.provider.id);
      return {
        id: resolved.provider.id,
        name: resolved.provider.name,
        type: resolved.provider.type,
        scope: 'operator',
        validation_status: state?.row?.validationStatus ?? 'pending',
        validation_error: state?.row?.validationError ?? null,
        is_active: true,
      };
    },
  };
}

const describeRow = (row: ProviderRow): ProviderDescription => ({
  id: row.id,
  name: row.name,
  type: row.type,
  scope: 'organization',
  validation_status: row.validationStatus,
  validation_error: row.validationError,
  is_active: row.isActive,
});

export type ProviderConnections = ReturnType<typeof createProviderConnections>;

import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation, violatedConstraint } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError, ConflictError, ValidationError } from '../../platform/http/errors.ts';
import { OutboundBlockedError, type OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { ProviderType } from '../../platform/llm/provider-connection.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { Principal } from '../tenancy/index.ts';
import { requestOperatorValidation } from './operator-provider-repository.ts';
import type { OperatorProviders } from './operator-providers.ts';
import { PROVIDER_VALIDATION_QUEUE, type ValidationJobData } from './provider-jobs.ts';
import { sealApiKey } from './provider-keys.ts';
import * as repository from './provider-repository.ts';
import type {
  CreateProviderBody,
  ListProvidersQuery,
  OllamaModelsQuery,
  OllamaModelView,
  ProviderModelView,
  ProviderView,
  UpdateProviderBody,
} from './provider-schemas.ts';
import { normalizeBaseUrl } from './provider-urls.ts';
import { offlineModels } from './provider-validation.ts';
import { toOperatorProviderView, toProviderView } from './provider-views.ts';

/** Operator providers are configured through the server's settings, never through the API. */
class OperatorProviderReadOnlyError extends AppError {
  constructor() {
    super(
      'operator_provider_read_only',
      'This provider is configured by the operator of this server and is read-only; create your own provider to change anything',
      { status: 403 },
    );
  }
}

function invalid(field: string, message: string): never {
  throw new ValidationError(`The provider is not valid: ${field} ${message}`, [{ field, message }]);
}

/** The rules a type puts on the endpoint: offline has none, openai_compatible must name one. */
function checkEndpoint(type: ProviderType, baseUrl: string | null) {
  if (type === 'openai_compatible' && baseUrl === null) {
    invalid('base_url', 'is required for openai_compatible providers');
  }
}

function conflictFrom(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  if (violatedConstraint(error)?.includes('default')) {
    return new ConflictError('default_provider_conflict', 'Another provider became the default meanwhile');
  }
  return new ConflictError('provider_name_taken', 'The organization already has a provider with this name');
}

/** Retry or breaker settings compared field by field, in any key order. */
function sameSettings(given: object | null, stored: object | null): boolean {
  if (given === null || stored === null) return given === stored;
  const entries = (settings: object) => JSON.stringify(Object.entries(settings).sort());
  return entries(given) === entries(stored);
}

/** The organization's LLM providers, with the operator's shared ones beside them. */
export function createProviderService({
  db,
  queue,
  secretBox,
  outboundGuard,
  operators,
  events,
  onChanged,
  defaults,
}: {
  db: Database;
  queue: JobQueue;
  secretBox: SecretBox;
  outboundGuard: Pick<OutboundGuard, 'assertAllowed'>;
  operators: OperatorProviders;
  /** Announces changes to clients and to every process's cached connections. */
  events: Pick<EventPublisher, 'publish'>;
  /** Called once a change of the organization's providers committed (this process's caches). */
  onChanged: (organizationId: string) => void;
  /** The LLM_* retry, timeout and breaker settings, under each provider's own. */
  defaults: ServicePolicy;
}) {
  const view = (row: repository.ProviderRow) => toProviderView(row, defaults);
  /** `provider-created`, `-updated`, `-deleted`, published with the change's transaction. */
  const announce = (tx: Executor, type: string, organizationId: string, data: { provider_id: string }) =>
    events.publish({ type, organization_id: organizationId, data }, { tx });
  const stateOf = (row: repository.ProviderRow) => ({
    provider_id: row.id,
    is_active: row.isActive,
    is_default: row.isDefault,
  });

  /**
   * A base URL must pass the outbound guard before it is stored (and again on every call). A host
   * that does not resolve right now is accepted: its validation will say so.
   */
  async function checkReachable(baseUrl: string | null | undefined) {
    if (!baseUrl) return;
    try {
      await outboundGuard.assertAllowed(baseUrl);
    } catch (error) {
      if (error instanceof OutboundBlockedError) throw error;
    }
  }

  async function requireProvider(executor: Executor, principal: Principal, providerId: string) {
    return requireInScope(await repository.findProvider(executor, principal, providerId), 'Provider', () =>
      repository.findProviderOrganization(executor, providerId),
    );
  }

  async function requireLockedProvider(tx: Executor, principal: Principal, providerId: string) {
    return requireInScope(await repository.lockProvider(tx, principal, providerId), 'Provider', () =>
      repository.findProviderOrganization(tx, providerId),
    );
  }

  async function operatorView(providerId: string): Promise<ProviderView | undefined> {
    if (!operators.forOrganization(providerId)) return undefined;
    const visible = await operators.visible();
    const match = visible.find(({ provider }) => provider.id === providerId);
    return match && toOperatorProviderView(match.provider, match.row, defaults);
  }

  function rejectOperatorChange(providerId: string) {
    if (operators.forOrganization(providerId)) throw new OperatorProviderReadOnlyError();
  }

  const enqueueValidation = (tx: Executor, row: repository.ProviderRow) => {
    const data: ValidationJobData = {
      providerId: row.id,
      organizationId: row.organizationId,
      sequence: row.validationSequence,
    };
    return queue.send(PROVIDER_VALIDATION_QUEUE, data, { tx });
  };

  async function get(principal: Principal, providerId: string): Promise<ProviderView> {
    return (await operatorView(providerId)) ?? view(await requireProvider(db, principal, providerId));
  }

  /** Offline needs no probe: it is connected the moment it exists. */
  const offlineValidation = () => ({
    validationStatus: 'connected' as const,
    validationError: null,
    validatedAt: new Date(),
    models: offlineModels,
  });

  /** Passes a committed change's result on, once this process's caches forgot the old state. */
  const changed =
    (principal: Principal) =>
    <T>(result: T): T => {
      onChanged(principal.organizationId);
      return result;
    };

  return {
    async create(principal: Principal, body: CreateProviderBody): Promise<ProviderView> {
      const offline = body.type === 'offline';
      if (offline && (body.base_url != null || body.api_key != null)) {
        invalid(body.base_url != null ? 'base_url' : 'api_key', 'must be empty for offline providers');
      }
      const baseUrl = normalizeBaseUrl(body.type, body.base_url ?? null);
      checkEndpoint(body.type, baseUrl);
      await checkReachable(baseUrl);
      const id = uuidv7();
      return db
        .transaction(async (tx) => {
          await repository.lockDefaultChoice(tx, principal);
          const isDefault = body.is_default ?? !(await repository.findDefaultProvider(tx, principal));
          if (isDefault) await repository.clearDefault(tx, principal, id);
          const row = await repository.insertProvider(tx, {
            id,
            organizationId: principal.organizationId,
            name: body.name,
            type: body.type,
            baseUrl,
            ...(body.api_key ? sealApiKey(secretBox, id, body.api_key) : {}),
            isActive: body.is_active ?? true,
            isDefault,
            retryConfig: body.retry_config ?? null,
            circuitBreakerConfig: body.circuit_breaker_config ?? null,
            ...(offline ? offlineValidation() : { validationSequence: 1 }),
            createdByUserId: principal.userId,
            createdByApiKeyId: principal.apiKeyId,
          });
          if (!offline) await enqueueValidation(tx, row);
          await announce(tx, 'provider-created', row.organizationId, stateOf(row));
          return view(row);
        })
        .then(changed(principal), (error: unknown) => {
          throw conflictFrom(error);
        });
    },

    /** The organization's providers (newest first), then the operator's when they are shared. */
    async list(principal: Principal, query: ListProvidersQuery) {
      const { limit, offset, scope } = query;
      const operatorItems =
        scope === 'organization'
          ? []
          : (await operators.visible()).map(({ provider, row }) =>
              toOperatorProviderView(provider, row, defaults),
            );
      if (scope === 'operator') {
        return { items: operatorItems.slice(offset, offset + limit), total: operatorItems.length };
      }
      const { rows, total } = await repository.listProviders(db, principal, { limit, offset });
      const room = limit - rows.length;
      const operatorOffset = Math.max(0, offset - total);
      return {
        items: [
          ...rows.map(view),
          ...(room > 0 ? operatorItems.slice(operatorOffset, operatorOffset + room) : []),
        ],
        total: total + operatorItems.length,
      };
    },

    get,

    async models(principal: Principal, providerId: string): Promise<ProviderModelView[]> {
      return (await get(principal, providerId)).models;
    },

    /**
     * Seed 003's model list of the Ollama servers the organization may use: its own active Ollama
     * providers (newest first), then the operator's when shared, each with the models it listed at
     * its last validation. Stored, not asked live: a read never calls out (POST
     * /providers/{id}/validate refreshes a list).
     */
    async ollamaModels(principal: Principal, { limit, offset }: OllamaModelsQuery) {
      const [own, operator] = await Promise.all([
        repository.listActiveProvidersOfType(db, principal, 'ollama'),
        operators.visible(),
      ]);
      const servers = [
        ...own.map((row) => ({ id: row.id, name: row.name, models: row.models })),
        ...operator
          .filter(({ provider }) => provider.type === 'ollama')
          .map(({ provider, row }) => ({ id: provider.id, name: provider.name, models: row?.models ?? [] })),
      ];
      const items = servers.flatMap((server) =>
        server.models.map(
          (model): OllamaModelView => ({
            name: model.id,
            model: model.id,
            provider_id: server.id,
            provider_name: server.name,
          }),
        ),
      );
      return { items: items.slice(offset, offset + limit), total: items.length };
    },

    /**
     * PUT and PATCH: the given fields change, the others stay. A new type, URL or key makes the
     * provider `pending` and enqueues its validation in the same transaction.
     */
    async update(principal: Principal, providerId: string, body: UpdateProviderBody): Promise<ProviderView> {
      rejectOperatorChange(providerId);
      if (body.base_url) await checkReachable(body.base_url);
      return db
        .transaction(async (tx) => {
          const row = await requireLockedProvider(tx, principal, providerId);
          const type = body.type ?? row.type;
          const offline = type === 'offline';
          if (offline && (body.base_url != null || body.api_key != null)) {
            invalid(body.base_url != null ? 'base_url' : 'api_key', 'must be empty for offline providers');
          }
          // An offline provider keeps no endpoint or key, whatever the provider had before.
          const baseUrl = offline
            ? null
            : normalizeBaseUrl(type, body.base_url !== undefined ? body.base_url : row.baseUrl);
          checkEndpoint(type, baseUrl);

          const change: repository.ProviderChange = {};
          if (body.name !== undefined && body.name !== row.name) change.name = body.name;
          if (type !== row.type) change.type = type;
          if (baseUrl !== row.baseUrl) change.baseUrl = baseUrl;
          if (body.api_key) Object.assign(change, sealApiKey(secretBox, row.id, body.api_key));
          const removeKey = body.api_key === null || offline;
          if (removeKey && row.apiKeyCiphertext !== null) {
            Object.assign(change, { apiKeyCiphertext: null, apiKeyLast4: null });
          }
          if (body.is_active !== undefined && body.is_active !== row.isActive)
            change.isActive = body.is_active;
          if (body.retry_config !== undefined && !sameSettings(body.retry_config, row.retryConfig))
            change.retryConfig = body.retry_config;
          if (
            body.circuit_breaker_config !== undefined &&
            !sameSettings(body.circuit_breaker_config, row.circuitBreakerConfig)
          )
            change.circuitBreakerConfig = body.circuit_breaker_config;
          if (body.is_default !== undefined && body.is_default !== row.isDefault) {
            change.isDefault = body.is_default;
            if (body.is_default) {
              await repository.lockDefaultChoice(tx, principal);
              await repository.clearDefault(tx, principal, row.id);
            }
          }
          const endpointChanged =
            change.type !== undefined ||
            change.baseUrl !== undefined ||
            change.apiKeyCiphertext !== undefined;
          if (Object.keys(change).length === 0) return view(row);

          if (endpointChanged) {
            Object.assign(
              change,
              offline
                ? offlineValidation()
                : { validationStatus: 'pending', validationError: null, validatedAt: null, models: [] },
            );
          }
          const updated = (await repository.updateProvider(tx, principal, row.id, change, {
            newValidation: endpointChanged,
          })) as repository.ProviderRow;
          if (endpointChanged && !offline) await enqueueValidation(tx, updated);
          await announce(tx, 'provider-updated', updated.organizationId, stateOf(updated));
          return view(updated);
        })
        .then(changed(principal), (error: unknown) => {
          throw conflictFrom(error);
        });
    },

    /** Soft delete (then 404 on reads); agents naming the provider can no longer resolve it. */
    async remove(principal: Principal, providerId: string): Promise<void> {
      rejectOperatorChange(providerId);
      await db.transaction(async (tx) => {
        const deleted = await repository.softDeleteProvider(tx, principal, providerId);
        await requireInScope(deleted, 'Provider', () => repository.findProviderOrganization(tx, providerId));
        await announce(tx, 'provider-deleted', principal.organizationId, { provider_id: providerId });
      });
      onChanged(principal.organizationId);
    },

    /** Enqueues a fresh validation; the provider is `pending` until a worker takes it. */
    async validate(principal: Principal, providerId: string): Promise<ProviderView> {
      if (operators.forOrganization(providerId)) {
        await db.transaction(async (tx) => {
          const row = await requestOperatorValidation(tx, providerId);
          if (!row) return;
          const data: ValidationJobData = {
            providerId,
            organizationId: null,
            sequence: row.validationSequence,
          };
          await queue.send(PROVIDER_VALIDATION_QUEUE, data, { tx });
        });
        return (await operatorView(providerId)) as ProviderView;
      }
      return db.transaction(async (tx) => {
        const row = await requireLockedProvider(tx, principal, providerId);
        if (row.type === 'offline') return view(row);
        const updated = (await repository.requestValidation(
          tx,
          principal,
          providerId,
        )) as repository.ProviderRow;
        await enqueueValidation(tx, updated);
        return view(updated);
      });
    },
  };
}

export type ProviderService = ReturnType<typeof createProviderService>;

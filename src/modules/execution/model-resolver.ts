import type { LanguageModelV4 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { AppError, BadRequestError } from '../../platform/http/errors.ts';
import { fallbackMiddleware } from '../../platform/llm/fallback-middleware.ts';
import { createLanguageModelCache, type GuardedFetch } from '../../platform/llm/model-factory.ts';
import { OFFLINE_MODEL_ID } from '../../platform/llm/offline-model.ts';
import type { ProviderConnection, ProviderType } from '../../platform/llm/provider-connection.ts';
import {
  countsAgainstProvider,
  isProviderUnavailable,
  withResilience,
} from '../../platform/llm/resilient-model.ts';
import { tracedModel } from '../../platform/observability/tracing-model.ts';
import { policyOf, type ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { AgentView } from '../agents/index.ts';
import type { ServiceCalls } from '../services/index.ts';
import type { Principal } from '../tenancy/index.ts';

/** What the execution pipeline needs to know about a provider, without its key. */
export interface ProviderDescription {
  id: string;
  name: string;
  type: string;
  validation_status: string;
  is_active: boolean;
}

/**
 * The providers module's service, as the execution pipeline uses it. `resolveConnection` follows
 * the agent's provider, then the organization's default, then the shared operator provider, then
 * the built-in offline connection (`{id: 'offline', type: 'offline'}`).
 */
export interface ProviderDirectory {
  resolveConnection(principal: Principal, providerId: string | null): Promise<ProviderConnection>;
  /** The same resolution described without the key; an inactive provider is described, not refused. */
  describeProvider(principal: Principal, providerId: string | null): Promise<ProviderDescription>;
}

/** The LLM_* defaults of every provider's policy; the call timeout bounds a call until it answers or its stream starts. */
export type ResilienceSettings = ServicePolicy;

export interface ProviderIdentity {
  id: string;
  name: string;
  type: ProviderType;
}

/** A provider and a model id: what answers a model call. */
export interface ModelChoice {
  provider: ProviderIdentity;
  modelId: string;
}

export interface ResolvedModel {
  /** The model the turn calls: resilient, and switching to the fallback when the primary is down. */
  model: LanguageModelV4;
  primary: ModelChoice;
  fallback: ModelChoice | null;
  /** The choice that answered the latest model call (the primary until the fallback answers). */
  answered(): ModelChoice;
  fallbackUsed(): boolean;
  /** Things the caller should know, e.g. that the agent's model is not available offline. */
  warnings: string[];
}

/**
 * Model ids used when an agent names none. An OpenAI-compatible server has no common model, so
 * it must be named.
 */
export const defaultModels: Record<ProviderType, string | null> = {
  offline: OFFLINE_MODEL_ID,
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  ollama: 'llama3.1',
  openai_compatible: null,
};

function modelIdFor(connection: ProviderConnection, requested: string | null): string {
  // The offline connection serves only the built-in model, whatever the agent asks for.
  if (connection.type === 'offline') return OFFLINE_MODEL_ID;
  const modelId = requested ?? defaultModels[connection.type];
  if (!modelId) {
    throw new BadRequestError(
      'model_required',
      `The provider ${connection.name} (${connection.type}) has no default model: set the agent's model`,
    );
  }
  return modelId;
}

const identityOf = (connection: ProviderConnection): ProviderIdentity => ({
  id: connection.id,
  name: connection.name,
  type: connection.type,
});

/** A provider's own retry and breaker settings, when it has none: the defaults. */
const noOverrides = { retryConfig: null, circuitBreakerConfig: null };

/**
 * Turns an agent's model settings into a callable model: provider connection (through the
 * providers module), model id, retries and the circuit breaker by the provider's policy (its own
 * settings over the LLM_* defaults), and the fallback model. Breakers are shared by every process
 * (the services module); each organization has its own breaker of a provider, operator providers
 * included.
 */
export function createModelResolver({
  providers,
  fetch,
  resilience,
  breakers,
  instrument = (model) => model,
}: {
  providers: ProviderDirectory;
  fetch: GuardedFetch;
  resilience: ResilienceSettings;
  breakers: Pick<ServiceCalls, 'breakerFor'>;
  /** Wraps each model as built, outside its retries: metrics count its calls (model-call-metrics.ts). */
  instrument?: (model: LanguageModelV4, connection: ProviderConnection, modelId: string) => LanguageModelV4;
}) {
  const languageModels = createLanguageModelCache(fetch);

  function buildModel(
    principal: Principal,
    connection: ProviderConnection,
    modelId: string,
  ): LanguageModelV4 {
    // A span per call to the provider (each retry its own), when tracing.
    const model = tracedModel(languageModels.get(connection, modelId), connection.type);
    // The offline model has no network to fail; it needs neither retries nor a breaker.
    if (connection.type === 'offline') return instrument(model, connection, modelId);
    const policy = policyOf(resilience, connection.resilience ?? noOverrides);
    const service = {
      organizationId: principal.organizationId,
      type: 'llm_provider' as const,
      id: connection.id,
      name: connection.name,
    };
    const resilient = withResilience(model, {
      breaker: breakers.breakerFor(service, policy.breaker, countsAgainstProvider),
      retry: policy.retry,
      timeoutMs: policy.callTimeoutMs,
    });
    return instrument(resilient, connection, modelId);
  }

  async function choose(principal: Principal, agent: AgentView) {
    const connection = await providers.resolveConnection(principal, agent.provider_id);
    const primary = { connection, modelId: modelIdFor(connection, agent.model) };
    const warnings: string[] = [];
    if (connection.type === 'offline' && agent.model && agent.model !== OFFLINE_MODEL_ID) {
      warnings.push(
        `No provider is available for the model ${agent.model}; the built-in offline model answered instead`,
      );
    }
    let fallback: typeof primary | null = null;
    if (agent.fallback_provider_id || agent.fallback_model) {
      try {
        const fallbackConnection = agent.fallback_provider_id
          ? await providers.resolveConnection(principal, agent.fallback_provider_id)
          : connection;
        fallback = {
          connection: fallbackConnection,
          modelId: modelIdFor(fallbackConnection, agent.fallback_model),
        };
      } catch (error) {
        // A fallback that cannot be used (inactive, deleted) must not stop the primary from answering.
        if (!(error instanceof AppError)) throw error;
        warnings.push(`The fallback model is unavailable: ${error.message}`);
      }
    }
    return { primary, fallback, warnings };
  }

  return {
    /** The models an agent would use, without building them (for previews). */
    async describe(principal: Principal, agent: AgentView) {
      const { primary, fallback, warnings } = await choose(principal, agent);
      return {
        primary: { provider: identityOf(primary.connection), modelId: primary.modelId },
        fallback: fallback ? { provider: identityOf(fallback.connection), modelId: fallback.modelId } : null,
        warnings,
      };
    },

    async resolve(principal: Principal, agent: AgentView): Promise<ResolvedModel> {
      const { primary, fallback, warnings } = await choose(principal, agent);
      const primaryChoice: ModelChoice = {
        provider: identityOf(primary.connection),
        modelId: primary.modelId,
      };
      const primaryModel = buildModel(principal, primary.connection, primary.modelId);
      if (!fallback) {
        return {
          model: primaryModel,
          primary: primaryChoice,
          fallback: null,
          answered: () => primaryChoice,
          fallbackUsed: () => false,
          warnings,
        };
      }
      const fallbackChoice: ModelChoice = {
        provider: identityOf(fallback.connection),
        modelId: fallback.modelId,
      };
      let answered = primaryChoice;
      // The middleware holds the switch to the fallback, so each turn gets its own.
      const model = wrapLanguageModel({
        model: primaryModel,
        middleware: fallbackMiddleware({
          fallback: buildModel(principal, fallback.connection, fallback.modelId),
          shouldFallBack: isProviderUnavailable,
          onAnswer: (which) => {
            answered = which === 'primary' ? primaryChoice : fallbackChoice;
          },
        }),
      });
      return {
        model,
        primary: primaryChoice,
        fallback: fallbackChoice,
        answered: () => answered,
        fallbackUsed: () => answered === fallbackChoice,
        warnings,
      };
    },
  };
}

export type ModelResolver = ReturnType<typeof createModelResolver>;

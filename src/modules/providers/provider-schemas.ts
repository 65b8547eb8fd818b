import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { providerTypes } from '../../platform/llm/provider-connection.ts';
import { circuitBreakerConfigSchema, retryConfigSchema } from '../../platform/resilience/service-policy.ts';
import { servicePolicyView } from '../services/index.ts';
import { validationStatuses } from './provider-tables.ts';
import { hasCredentials } from './provider-urls.ts';

export const providerScopes = ['organization', 'operator'] as const;
export type ProviderScope = (typeof providerScopes)[number];

const providerName = z.string().trim().min(1).max(200).describe('Unique in the organization (any case)');
const providerType = z
  .enum(providerTypes)
  .describe('openai_compatible needs a base_url (vLLM, LM Studio, a gateway); offline needs nothing');
const baseUrl = z
  .url()
  .max(2_000)
  .refine((value) => !hasCredentials(value), 'must not contain credentials: send the key as api_key')
  .describe(
    'The API endpoint; null means the type’s default (OpenAI, Anthropic, Ollama on 127.0.0.1:11434). ' +
      'Must reach a public address unless the host is in the server’s OUTBOUND_ALLOWLIST.',
  );
const apiKey = z
  .string()
  .trim()
  .min(1)
  .max(4_000)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .describe('Write-only: stored encrypted, never returned. null removes the key; omitted keeps it.');

const retryConfig = retryConfigSchema
  .nullable()
  .describe(
    'Retries of this provider’s calls on timeouts, dropped connections, 429 and 5xx; null or a left-out field ' +
      'keeps the server’s LLM_RETRY_* default. max_delay caps every wait, the first included.',
  )
  .meta({ example: { max_attempts: 2, base_delay: 0.25, max_delay: 4 } });
const circuitBreakerConfig = circuitBreakerConfigSchema
  .nullable()
  .describe(
    'This provider’s circuit breaker, shared by every process; null or a left-out field keeps the server’s ' +
      'LLM_BREAKER_* default.',
  )
  .meta({ example: { failure_threshold: 3, recovery_timeout: 30 } });

export const createProviderBody = z
  .object({
    name: providerName,
    type: providerType,
    base_url: baseUrl.nullable().optional(),
    api_key: apiKey.nullable().optional(),
    is_active: z.boolean().optional(),
    is_default: z
      .boolean()
      .optional()
      .describe('Used by agents that name no provider; defaults to true for the organization’s first one'),
    retry_config: retryConfig.optional(),
    circuit_breaker_config: circuitBreakerConfig.optional(),
  })
  .strict()
  .meta({
    id: 'ProviderCreate',
    example: {
      name: 'OpenAI',
      type: 'openai',
      api_key: 'sk-proj-your-key-here',
      // Not the default: agents keep answering (the offline model) until a real key validates.
      is_default: false,
      circuit_breaker_config: { failure_threshold: 3, recovery_timeout: 30 },
    },
  });

export const updateProviderBody = z
  .object({
    name: providerName.optional(),
    type: providerType.optional(),
    base_url: baseUrl.nullable().optional(),
    api_key: apiKey.nullable().optional(),
    is_active: z.boolean().optional(),
    is_default: z.boolean().optional(),
    retry_config: retryConfig
      .optional()
      .describe('Replaces the provider’s retry settings; null: the defaults'),
    circuit_breaker_config: circuitBreakerConfig
      .optional()
      .describe('Replaces the provider’s breaker settings; null: the defaults'),
  })
  .strict()
  .meta({
    id: 'ProviderUpdate',
    example: {
      name: 'Ollama (GPU server)',
      base_url: 'http://ollama.internal:11434/v1',
      retry_config: { max_attempts: 2 },
    },
  });

export type CreateProviderBody = z.infer<typeof createProviderBody>;
export type UpdateProviderBody = z.infer<typeof updateProviderBody>;

export const listProvidersQuery = pageQuery(50, 200).extend({
  scope: z.enum(providerScopes).optional().describe('Only the organization’s own, or only the operator’s'),
});
export type ListProvidersQuery = z.infer<typeof listProvidersQuery>;

const modelsExample = [{ id: 'llama3.1:8b' }, { id: 'qwen2.5:7b' }];

export const providerModelView = z
  .object({ id: z.string(), name: z.string().optional() })
  .meta({ id: 'ProviderModel', example: { id: 'llama3.1:8b' } });
export const providerModelListView = z.array(providerModelView).meta({ example: modelsExample });

export const ollamaModelsQuery = pageQuery(1_000, 5_000);
export type OllamaModelsQuery = z.infer<typeof ollamaModelsQuery>;

const ollamaModelExample = {
  name: 'llama3.1:8b',
  model: 'llama3.1:8b',
  provider_id: exampleIds.provider,
  provider_name: 'Local Ollama',
};

/** A model of an Ollama server, named as Ollama's own model list names it (seed 003). */
export const ollamaModelView = z
  .object({
    name: z.string().describe('The model’s tag as Ollama names it, e.g. llama3.1:8b'),
    model: z.string().describe('The same tag: the value an agent’s `model` takes'),
    provider_id: z.uuid(),
    provider_name: z.string(),
  })
  .meta({ id: 'OllamaModel', example: ollamaModelExample });
export const ollamaModelListView = z.array(ollamaModelView).meta({ example: [ollamaModelExample] });
export type OllamaModelView = z.infer<typeof ollamaModelView>;

const providerExample = {
  id: exampleIds.provider,
  organization_id: exampleIds.organization,
  scope: 'organization',
  name: 'Local Ollama',
  type: 'openai_compatible',
  base_url: 'http://localhost:11434/v1',
  has_api_key: false,
  api_key_last4: null,
  is_active: true,
  is_default: true,
  validation_status: 'connected',
  validation_error: null,
  validated_at: exampleTimes.providerValidated,
  models: modelsExample,
  retry_config: null,
  circuit_breaker_config: { failure_threshold: 3, recovery_timeout: 30 },
  resilience: {
    retry: { max_attempts: 3, base_delay: 0.5, max_delay: 8, multiplier: 2, jitter: true },
    circuit_breaker: { failure_threshold: 3, recovery_timeout: 30 },
    timeout_seconds: 60,
  },
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.providerCreated,
  updated_at: exampleTimes.providerCreated,
};

export const providerView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid().nullable().describe('Null for an operator provider'),
    scope: z
      .enum(providerScopes)
      .describe('operator: configured by the server’s operator, shared with organizations, read-only'),
    name: z.string(),
    type: z.enum(providerTypes),
    base_url: z
      .string()
      .nullable()
      .describe('Null: the type’s default endpoint (or, for operator providers, not disclosed)'),
    has_api_key: z.boolean().describe('Always true for operator providers: their keys are not disclosed'),
    api_key_last4: z.string().nullable().describe('Null for short keys and for operator providers'),
    is_active: z.boolean(),
    is_default: z.boolean(),
    validation_status: z.enum(validationStatuses),
    validation_error: z.string().nullable(),
    validated_at: nullableTimestamp,
    models: z.array(providerModelView).describe('What the provider listed at its last validation'),
    retry_config: retryConfigSchema
      .nullable()
      .describe('Its own retry settings as stored; null: the defaults'),
    circuit_breaker_config: circuitBreakerConfigSchema
      .nullable()
      .describe(
        'Its own breaker settings as stored; null: the defaults (always null for operator providers)',
      ),
    resilience: servicePolicyView.describe(
      'What its calls use: its own settings over the server’s LLM_* defaults (docs/services.md)',
    ),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Provider', example: providerExample });
export const providerListView = z.array(providerView).meta({ example: [providerExample] });

export type ProviderView = z.infer<typeof providerView>;
export type ProviderModelView = z.infer<typeof providerModelView>;

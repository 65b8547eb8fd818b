import { z } from 'zod';
import { nullableTimestamp, pageQuery } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import { circuitStates, serviceTypes } from './service-tables.ts';

export const serviceStatuses = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export type ServiceStatus = (typeof serviceStatuses)[number];

export const listServiceHealthQuery = pageQuery(100, 1_000).extend({
  service_type: z.enum(serviceTypes).optional().describe('Only services of this type'),
  status: z.enum(serviceStatuses).optional().describe('Only services in this status'),
});
export type ListServiceHealthQuery = z.infer<typeof listServiceHealthQuery>;

const serviceHealthExample = {
  service_name: 'Local Ollama',
  service_type: 'llm_provider',
  service_id: exampleIds.provider,
  endpoint: 'http://localhost:11434/v1',
  enabled: true,
  status: 'degraded',
  last_check: '2025-06-04T10:15:03.410Z',
  error_count: 2,
  success_count: 128,
  circuit_breaker_state: 'closed',
  consecutive_failures: 1,
  opened_at: null,
  last_success_at: exampleTimes.runCompleted,
  last_failure_at: '2025-06-04T10:15:03.410Z',
  last_error: 'Gave up after 3 attempts: HTTP 503',
  metadata: {
    check: { status: 'connected', checked_at: exampleTimes.providerValidated, error: null },
  },
  provider_id: exampleIds.provider,
  provider_name: 'Local Ollama',
  state: 'closed',
  last_failure: 'Gave up after 3 attempts',
  successes: 128,
  failures: 2,
};

const deprecated = <T extends z.ZodType>(schema: T, instead: string) =>
  schema.optional().meta({ deprecated: true, description: `Model providers only; use ${instead}` });

/** Seed 004's ServiceHealth, with the service's identity and its circuit in detail. */
export const serviceHealthView = z
  .object({
    service_name: z.string(),
    service_type: z.enum(serviceTypes),
    service_id: z.uuid(),
    endpoint: z
      .string()
      .nullable()
      .describe(
        'The host or endpoint, never with credentials; null for an operator provider (not disclosed)',
      ),
    enabled: z
      .boolean()
      .describe('False: configured but switched off (an inactive provider, a disabled tool)'),
    status: z
      .enum(serviceStatuses)
      .describe(
        'unhealthy: the circuit is open, or the owner’s own check failed and no call succeeded since; ' +
          'degraded: half-open, or the latest calls failed; healthy: calls succeed or the check passed; ' +
          'unknown: never called nor checked (docs/services.md)',
      ),
    last_check: nullableTimestamp.describe('The latest call or check of the service, whichever is later'),
    error_count: z.number().int().describe('Failed calls, every process included'),
    success_count: z.number().int().describe('Successful calls, every process included'),
    circuit_breaker_state: z.enum(circuitStates).describe('Shared by every process'),
    consecutive_failures: z.number().int().describe('Failed calls in a row (of the process that told last)'),
    opened_at: nullableTimestamp.describe('When the circuit opened; null while it is closed'),
    last_success_at: nullableTimestamp,
    last_failure_at: nullableTimestamp,
    last_error: z
      .string()
      .nullable()
      .describe('What the last failed call met, shortened and without secrets'),
    metadata: z
      .object({
        check: z
          .object({ status: z.string(), checked_at: nullableTimestamp, error: z.string().nullable() })
          .nullable()
          .describe('The owner’s own check: a provider’s validation, an MCP server’s connection'),
      })
      .describe('What else is known of the service'),
    provider_id: deprecated(z.uuid(), 'service_id'),
    provider_name: deprecated(z.string(), 'service_name'),
    state: deprecated(z.enum(['closed', 'open', 'half-open']), 'circuit_breaker_state'),
    last_failure: deprecated(z.string().nullable(), 'last_error'),
    successes: deprecated(z.number().int(), 'success_count'),
    failures: deprecated(z.number().int(), 'error_count'),
  })
  .meta({ id: 'ServiceHealth', example: serviceHealthExample });
export const serviceHealthListView = z.array(serviceHealthView).meta({ example: [serviceHealthExample] });
export type ServiceHealthView = z.infer<typeof serviceHealthView>;

const policyExample = {
  retry: { max_attempts: 3, base_delay: 0.5, max_delay: 8, multiplier: 2, jitter: true },
  circuit_breaker: { failure_threshold: 5, recovery_timeout: 60 },
  timeout_seconds: 60,
};

/** A service's effective policy as the API shows it: seed 004's names, in seconds. */
export const servicePolicyView = z
  .object({
    retry: z.object({
      max_attempts: z.number().int(),
      base_delay: z.number().describe('Seconds'),
      max_delay: z.number().describe('Seconds'),
      multiplier: z.number().describe('How much the wait’s bound grows per retry'),
      jitter: z.boolean().describe('Whether each wait is random up to its bound'),
    }),
    circuit_breaker: z.object({
      failure_threshold: z.number().int(),
      recovery_timeout: z.number().describe('Seconds'),
    }),
    timeout_seconds: z.number().describe('Bound on one attempt'),
  })
  .describe('The settings calls use: the service’s own over the server’s defaults')
  .meta({ id: 'ServicePolicy', example: policyExample });
export type ServicePolicyView = z.infer<typeof servicePolicyView>;

/** A policy in the API's units (seconds), the inverse of `policyOf`. */
export const toPolicyView = (policy: ServicePolicy): ServicePolicyView => ({
  retry: {
    max_attempts: policy.retry.maxAttempts,
    base_delay: policy.retry.baseDelayMs / 1000,
    max_delay: policy.retry.maxDelayMs / 1000,
    multiplier: policy.retry.multiplier ?? 2,
    jitter: policy.retry.jitter ?? true,
  },
  circuit_breaker: {
    failure_threshold: policy.breaker.failureThreshold,
    recovery_timeout: policy.breaker.recoveryTimeoutMs / 1000,
  },
  timeout_seconds: policy.callTimeoutMs / 1000,
});

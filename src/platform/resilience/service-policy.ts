import { z } from 'zod';

/** How calls to one external service are retried, bounded and broken (seed 004 ExternalService). */
export interface ServicePolicy {
  /** `multiplier` and `jitter` are absent for the operator's defaults: doubling, with full jitter. */
  retry: {
    maxAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    multiplier?: number;
    jitter?: boolean;
  };
  /** Bound on one attempt. */
  callTimeoutMs: number;
  breaker: { failureThreshold: number; recoveryTimeoutMs: number };
}

/** Seed 004's RetryConfig: delays in seconds; what is left out keeps the operator's default. */
export const retryConfigSchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(10).optional().describe('Attempts in all, the first included'),
    base_delay: z
      .number()
      .min(0)
      .max(60)
      .optional()
      .describe('Seconds before the first retry (backoff doubles it, with jitter)'),
    max_delay: z
      .number()
      .min(0)
      .max(300)
      .optional()
      .describe('Longest wait between two attempts, in seconds'),
    multiplier: z.number().min(1).max(10).optional().describe('How much each wait grows (default 2)'),
    jitter: z
      .boolean()
      .optional()
      .describe('true (default): each wait is random between 0 and its bound; false: the bound itself'),
    retryable_errors: z
      .array(z.string())
      .max(
        0,
        'Agentry decides what to retry by the kind of failure (timeouts, dropped connections, 429, 5xx): leave it empty',
      )
      .optional()
      .describe('Seed 004 names Python exceptions here; accepted empty only'),
  })
  .describe('Retries of this service on timeouts, dropped connections, 429 and 5xx');

/** Seed 004's CircuitBreakerConfig: the recovery timeout in seconds. */
export const circuitBreakerConfigSchema = z
  .strictObject({
    failure_threshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Failed calls in a row that open the circuit'),
    recovery_timeout: z
      .number()
      .min(1)
      .max(3_600)
      .optional()
      .describe('Seconds the circuit stays open before a trial call'),
    expected_exception: z
      .array(z.string())
      .max(0, 'Agentry counts timeouts, dropped connections, 429 and 5xx against a service: leave it empty')
      .optional()
      .describe('Seed 004 names Python exceptions here; accepted empty only'),
    fallback_enabled: z
      .literal(true)
      .optional()
      .describe(
        'Seed 004: always true in Agentry (an agent’s fallback model answers while its provider’s circuit is open)',
      ),
  })
  .describe('Circuit breaker of this service, shared by every process');

export type RetryConfig = z.infer<typeof retryConfigSchema>;
export type CircuitBreakerConfig = z.infer<typeof circuitBreakerConfigSchema>;

/** A service's own settings, as stored with it; null fields keep the defaults. */
export interface ServiceOverrides {
  retryConfig: RetryConfig | null;
  circuitBreakerConfig: CircuitBreakerConfig | null;
  timeoutSeconds?: number | null;
}

const seconds = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 1000));

/** The policy of one service: its overrides over the operator's defaults. */
export function policyOf(defaults: ServicePolicy, overrides: ServiceOverrides): ServicePolicy {
  const retry = overrides.retryConfig ?? {};
  const breaker = overrides.circuitBreakerConfig ?? {};
  return {
    retry: {
      maxAttempts: retry.max_attempts ?? defaults.retry.maxAttempts,
      baseDelayMs: seconds(retry.base_delay) ?? defaults.retry.baseDelayMs,
      maxDelayMs: seconds(retry.max_delay) ?? defaults.retry.maxDelayMs,
      ...(retry.multiplier === undefined ? {} : { multiplier: retry.multiplier }),
      ...(retry.jitter === undefined ? {} : { jitter: retry.jitter }),
    },
    callTimeoutMs: seconds(overrides.timeoutSeconds ?? undefined) ?? defaults.callTimeoutMs,
    breaker: {
      failureThreshold: breaker.failure_threshold ?? defaults.breaker.failureThreshold,
      recoveryTimeoutMs: seconds(breaker.recovery_timeout) ?? defaults.breaker.recoveryTimeoutMs,
    },
  };
}

import { type CircuitBreaker, CircuitOpenError } from '../../platform/resilience/circuit-breaker.ts';
import { RetriesExhaustedError, withRetry } from '../../platform/resilience/retry.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { ServiceType } from './service-tables.ts';

/** An external service an organization's calls use: a provider, an MCP server or an HTTP tool. */
export interface ServiceRef {
  organizationId: string;
  type: ServiceType;
  /** The provider's, MCP server's or tool's id: a UUID, which keys the service's shared state. */
  id: string;
  name: string;
}

export interface ServiceCallOptions {
  /** The caller's cancellation (the turn's): stops the attempt and any waiting. */
  signal?: AbortSignal | undefined;
  /** Which failures are worth another attempt (timeouts are, always). */
  isRetryable(error: unknown): boolean;
  /** Which failures count against the service's health; by default the retryable ones and timeouts. */
  countsAsFailure?(error: unknown): boolean;
  /** A server's own hint (Retry-After) in milliseconds. */
  retryAfterMs?(error: unknown): number | undefined;
}

/** One attempt ran past the service's call timeout. */
export class ServiceTimeoutError extends Error {
  constructor(service: string, timeoutMs: number) {
    super(`${service} did not answer within ${timeoutMs} ms`);
    this.name = 'ServiceTimeoutError';
  }
}

export { CircuitOpenError, RetriesExhaustedError };

/**
 * Calls to external services with each service's policy: a per-attempt timeout, retries with
 * jittered backoff, and a circuit breaker per service.
 */
export interface ServiceCalls {
  call<T>(
    service: ServiceRef,
    policy: ServicePolicy,
    operation: (signal: AbortSignal) => Promise<T>,
    options: ServiceCallOptions,
  ): Promise<T>;
  /** The breaker of a service, for callers that run their own retries (model calls). */
  breakerFor(
    service: ServiceRef,
    breaker: ServicePolicy['breaker'],
    countsAsFailure: (error: unknown) => boolean,
  ): CircuitBreaker;
}

/**
 * Calls through breakers shared by every process (`createSharedBreakers`): the policy's timeout
 * and retries run here, in the calling process.
 */
export function createServiceCalls(breakers: Pick<ServiceCalls, 'breakerFor'>): ServiceCalls {
  const { breakerFor } = breakers;

  return {
    breakerFor,
    call(service, policy, operation, options) {
      const isTimeout = (error: unknown) => error instanceof ServiceTimeoutError;
      const countsAsFailure = (error: unknown) =>
        error instanceof RetriesExhaustedError ||
        isTimeout(error) ||
        (options.countsAsFailure ?? options.isRetryable)(error);
      return breakerFor(service, policy.breaker, countsAsFailure).execute(() =>
        withRetry(
          async () => {
            const deadline = new AbortController();
            const timer = setTimeout(
              () => deadline.abort(new ServiceTimeoutError(service.name, policy.callTimeoutMs)),
              policy.callTimeoutMs,
            );
            const signal = options.signal
              ? AbortSignal.any([deadline.signal, options.signal])
              : deadline.signal;
            try {
              return await operation(signal);
            } catch (error) {
              throw deadline.signal.aborted && !options.signal?.aborted ? deadline.signal.reason : error;
            } finally {
              clearTimeout(timer);
            }
          },
          {
            ...policy.retry,
            isRetryable: (error) => isTimeout(error) || options.isRetryable(error),
            ...(options.retryAfterMs ? { retryAfterMs: options.retryAfterMs } : {}),
          },
          { signal: options.signal },
        ),
      );
    },
  };
}

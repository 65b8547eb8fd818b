import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Middleware,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { type CircuitBreaker, CircuitOpenError } from '../resilience/circuit-breaker.ts';
import {
  RetriesExhaustedError,
  type RetryPolicy,
  retryAfterHeaderMs,
  withRetry,
} from '../resilience/retry.ts';

export class ModelTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The model did not answer within ${timeoutMs} ms`);
    this.name = 'ModelTimeoutError';
  }
}

/** Rate limits, overloads, server errors, timeouts and dropped connections: worth another try. */
export function isRetryableModelError(error: unknown): boolean {
  if (APICallError.isInstance(error)) return error.isRetryable;
  return (
    error instanceof ModelTimeoutError || (error instanceof TypeError && error.message === 'fetch failed')
  );
}

/** A provider's Retry-After (seconds or an HTTP date), in milliseconds. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!APICallError.isInstance(error)) return undefined;
  return retryAfterHeaderMs(error.responseHeaders?.['retry-after']);
}

export interface ResilienceOptions {
  breaker: CircuitBreaker;
  retry: Omit<RetryPolicy, 'isRetryable' | 'retryAfterMs'>;
  /** Bound on one model call; for a stream, until the stream starts (the turn's timeout covers the rest). */
  timeoutMs: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Failures that say something about the provider's health (not the caller's bad request). */
export const countsAgainstProvider = (error: unknown) =>
  error instanceof RetriesExhaustedError || isRetryableModelError(error);

/** An open circuit or exhausted retries: the provider cannot answer now, another model might. */
export const isProviderUnavailable = (error: unknown) =>
  error instanceof CircuitOpenError || error instanceof RetriesExhaustedError;

/**
 * Every call goes through the provider's circuit breaker, retries retryable errors with jittered
 * exponential backoff (honouring Retry-After), and is bounded by a timeout. The caller's abort
 * signal cancels the call and any waiting.
 */
export function resilienceMiddleware(options: ResilienceOptions): LanguageModelV4Middleware {
  const policy: RetryPolicy = { ...options.retry, isRetryable: isRetryableModelError, retryAfterMs };

  // Each attempt gets its own deadline signal, so this calls `model` directly rather than the
  // middleware's `doGenerate`/`doStream`, which are bound to the original parameters.
  function call<T>(
    params: LanguageModelV4CallOptions,
    run: (params: LanguageModelV4CallOptions) => PromiseLike<T>,
  ) {
    return options.breaker.execute(() =>
      withRetry(
        async () => {
          const deadline = new AbortController();
          const timer = setTimeout(
            () => deadline.abort(new ModelTimeoutError(options.timeoutMs)),
            options.timeoutMs,
          );
          const signals = [deadline.signal, ...(params.abortSignal ? [params.abortSignal] : [])];
          try {
            return await run({ ...params, abortSignal: AbortSignal.any(signals) });
          } catch (error) {
            throw deadline.signal.aborted && !params.abortSignal?.aborted ? deadline.signal.reason : error;
          } finally {
            clearTimeout(timer);
          }
        },
        policy,
        { signal: params.abortSignal, onRetry: options.onRetry },
      ),
    );
  }

  return {
    specificationVersion: 'v4',
    wrapGenerate: ({ params, model }) => call(params, (withDeadline) => model.doGenerate(withDeadline)),
    wrapStream: ({ params, model }) => call(params, (withDeadline) => model.doStream(withDeadline)),
  };
}

/** `model` with {@link resilienceMiddleware} applied. */
export function withResilience(model: LanguageModelV4, options: ResilienceOptions): LanguageModelV4 {
  return wrapLanguageModel({ model, middleware: resilienceMiddleware(options) });
}

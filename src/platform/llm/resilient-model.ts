import { APICallError, type LanguageModelV4, type LanguageModelV4CallOptions } from '@ai-sdk/provider';
import type { CircuitBreaker } from '../resilience/circuit-breaker.ts';
import { RetriesExhaustedError, type RetryPolicy, withRetry } from '../resilience/retry.ts';

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
  const header = error.responseHeaders?.['retry-after'];
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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

/**
 * Wraps a model so that every call goes through the provider's circuit breaker, retries
 * retryable errors with jittered exponential backoff (honouring Retry-After), and is bounded by
 * a timeout. The caller's abort signal cancels the call and any waiting.
 */
export function withResilience(model: LanguageModelV4, options: ResilienceOptions): LanguageModelV4 {
  const policy: RetryPolicy = { ...options.retry, isRetryable: isRetryableModelError, retryAfterMs };

  function call<T>(
    callOptions: LanguageModelV4CallOptions,
    run: (options: LanguageModelV4CallOptions) => PromiseLike<T>,
  ) {
    return options.breaker.execute(() =>
      withRetry(
        async () => {
          const deadline = new AbortController();
          const timer = setTimeout(
            () => deadline.abort(new ModelTimeoutError(options.timeoutMs)),
            options.timeoutMs,
          );
          const signals = [deadline.signal, ...(callOptions.abortSignal ? [callOptions.abortSignal] : [])];
          try {
            return await run({ ...callOptions, abortSignal: AbortSignal.any(signals) });
          } catch (error) {
            throw deadline.signal.aborted && !callOptions.abortSignal?.aborted
              ? deadline.signal.reason
              : error;
          } finally {
            clearTimeout(timer);
          }
        },
        policy,
        { signal: callOptions.abortSignal, onRetry: options.onRetry },
      ),
    );
  }

  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (callOptions) => call(callOptions, (withSignal) => model.doGenerate(withSignal)),
    doStream: (callOptions) => call(callOptions, (withSignal) => model.doStream(withSignal)),
  };
}

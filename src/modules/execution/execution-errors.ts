import { APICallError } from '@ai-sdk/provider';
import { AppError } from '../../platform/http/errors.ts';
import { ModelTimeoutError, retryAfterMs } from '../../platform/llm/resilient-model.ts';
import { CircuitOpenError } from '../../platform/resilience/circuit-breaker.ts';
import { RetriesExhaustedError } from '../../platform/resilience/retry.ts';

/** The turn ran past the agent's timeout_seconds. */
export class TurnTimeoutError extends Error {
  readonly seconds: number;
  constructor(seconds: number) {
    super(`The agent did not finish within ${seconds} s`);
    this.name = 'TurnTimeoutError';
    this.seconds = seconds;
  }
}

/** The caller went away (an SSE client disconnected) before the turn finished. */
export class TurnCancelledError extends Error {
  constructor() {
    super('The client disconnected before the turn finished');
    this.name = 'TurnCancelledError';
  }
}

/** The server shut down (SIGTERM) and the turn outlived the shutdown grace period. */
export class TurnShutdownError extends Error {
  constructor() {
    super('The server shut down before the turn finished (it outlived the shutdown grace period)');
    this.name = 'TurnShutdownError';
  }
}

/** Seconds a client waits before retrying when the provider gave no hint. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

const upstream = (
  code: string,
  message: string,
  status: 502 | 503 | 504,
  options: { details?: Record<string, unknown>; retryAfterSeconds?: number; cause: unknown },
) => new AppError(code, message, { status, category: 'third_party', ...options });

/** What a provider's refusal (a status that retrying cannot fix) most likely means. */
function refusalHint(statusCode: number): string {
  if (statusCode === 401 || statusCode === 403) return 'check the provider’s API key';
  if (statusCode === 404) return 'check the model name and the provider’s base URL';
  if (statusCode === 429) return 'the provider’s quota is exhausted';
  return 'the provider refused the request';
}

/**
 * Maps a failure of a turn to the error the caller sees: our own AppErrors pass through; an open
 * circuit or exhausted retries are 503 with Retry-After (try again later); a provider's refusal is
 * 502; running out of time is 504. Provider messages are not passed on: they may echo keys or
 * internals, and the status code says what the caller can act on.
 */
export function toExecutionError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof TurnTimeoutError) {
    return upstream('timeout', `${error.message} (timeout_seconds)`, 504, {
      details: { timeout_seconds: error.seconds },
      cause: error,
    });
  }
  if (error instanceof TurnCancelledError) {
    return new AppError('cancelled', error.message, { status: 499, cause: error });
  }
  if (error instanceof TurnShutdownError) {
    // The turn's messages were not stored: the caller may send it again, to a process that runs.
    return new AppError('shutdown', error.message, {
      status: 503,
      category: 'system',
      retryAfterSeconds: 1,
      cause: error,
    });
  }
  if (error instanceof CircuitOpenError) {
    const retryAfterSeconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return upstream(
      'provider_circuit_open',
      `The model provider ${error.breaker} failed repeatedly; calls are paused for ${retryAfterSeconds} s`,
      503,
      {
        details: { provider: error.breaker, retry_after_seconds: retryAfterSeconds },
        retryAfterSeconds,
        cause: error,
      },
    );
  }
  if (error instanceof RetriesExhaustedError) {
    const cause = error.cause;
    const hintMs = retryAfterMs(cause);
    const retryAfterSeconds =
      hintMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(hintMs / 1000));
    const statusCode = APICallError.isInstance(cause) ? cause.statusCode : undefined;
    const reason =
      cause instanceof ModelTimeoutError
        ? 'did not answer in time'
        : statusCode === 429
          ? 'is rate limiting requests'
          : statusCode
            ? `answered HTTP ${statusCode}`
            : 'could not be reached';
    return upstream(
      statusCode === 429 ? 'provider_rate_limited' : 'provider_unavailable',
      `The model provider ${reason}, ${error.attempts} attempts in a row`,
      503,
      {
        details: { attempts: error.attempts, provider_status: statusCode ?? null },
        retryAfterSeconds,
        cause: error,
      },
    );
  }
  if (APICallError.isInstance(error)) {
    const statusCode = error.statusCode;
    return upstream(
      'provider_error',
      `The model provider rejected the request${statusCode ? ` (HTTP ${statusCode})` : ''}: ${refusalHint(statusCode ?? 400)}`,
      502,
      { details: { provider_status: statusCode ?? null }, cause: error },
    );
  }
  const nested = (error as { cause?: unknown } | null)?.cause;
  if (nested instanceof AppError) return nested;
  return upstream('provider_error', 'The model provider returned a response Agentry could not use', 502, {
    cause: error,
  });
}

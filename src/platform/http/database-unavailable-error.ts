import { AppError } from './errors.ts';

/** Retry-After while the database is unreachable: connections are retried at once, so a short wait. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * The database, or the connection that carries live events, cannot be reached for now: 503 with
 * Retry-After on every route, until the connections heal by themselves.
 */
export class DatabaseUnavailableError extends AppError {
  constructor({
    message = 'The database is unavailable at the moment; try again shortly',
    cause,
  }: { message?: string; cause?: unknown } = {}) {
    super('database_unavailable', message, {
      status: 503,
      category: 'third_party',
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
      cause,
    });
  }
}

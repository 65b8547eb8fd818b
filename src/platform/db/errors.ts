/** The error and the errors it wraps: Drizzle's `cause`, and the attempts of an AggregateError (one per address). */
function* errorChain(error: unknown, depth = 0): Generator<object> {
  if (!error || typeof error !== 'object' || depth > 10) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* errorChain(inner, depth + 1);
  yield* errorChain((error as { cause?: unknown }).cause, depth + 1);
}

/** PostgreSQL SQLSTATE of an error from node-postgres or PGlite, looking through Drizzle's wrapper. */
function sqlState(error: unknown): string | undefined {
  for (const current of errorChain(error)) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';

/** A row still referenced by another (or a reference to a row that is gone). */
export const isForeignKeyViolation = (error: unknown): boolean => sqlState(error) === '23503';

/**
 * A transaction the database aborted to resolve a conflict with another one (a deadlock, or a
 * serialization failure): nothing of it was written, and running it again is expected to succeed.
 */
export const isTransactionConflict = (error: unknown): boolean => {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
};

/** The constraint (or unique index) an integrity error names, from node-postgres or PGlite. */
export function violatedConstraint(error: unknown): string | undefined {
  for (const current of errorChain(error)) {
    const constraint = (current as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint;
  }
  return undefined;
}

/** Node's codes for a connection that cannot be made or was lost. */
const NETWORK_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * A server shutting down (57P01 admin, 57P02 crash), still starting (57P03) or out of connections
 * (53300); class 08, connection exceptions, counts whole.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** How node-postgres and pg-pool say that a connection was lost or could not be had in time. */
const CONNECTION_FAILURE_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]);

/** What Node's fetch and Agentry's HTTP clients throw: its network codes are an outbound call's, not the database's. */
const isFailedFetch = (error: object) => error instanceof TypeError && error.message === 'fetch failed';

/**
 * Whether the error says that the database cannot be reached for now (down, restarting,
 * unreachable, out of connections, or the connection was lost), as node-postgres, pg-pool and
 * Drizzle's wrapper report it: a condition to retry later, not a fault of the request. PGlite
 * runs in the process and has no connection to lose.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const current of errorChain(error)) {
    if (isFailedFetch(current)) return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_FAILURE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (/^08[0-9A-Z]{3}$/.test(code)) return true;
    }
    if (typeof message === 'string' && CONNECTION_FAILURE_MESSAGES.has(message)) return true;
  }
  return false;
}

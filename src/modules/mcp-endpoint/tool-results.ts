import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { describeError, type ErrorDescription } from '../../platform/http/error-description.ts';
import { ValidationError } from '../../platform/http/errors.ts';

/** Arguments a tool's schema accepts, or a ValidationError that says which are wrong and why. */
export function parseArguments<T>(schema: z.ZodType<T>, given: unknown): T {
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid arguments: ${z.prettifyError(parsed.error)}`,
    parsed.error.issues.map((issue) => ({
      field: issue.path.join('.') || 'arguments',
      message: issue.message,
    })),
  );
}

/** Logs what the error handler would log for the same error: Agentry's faults, upstream failures. */
export function logFailure(log: FastifyBaseLogger, error: unknown, description: ErrorDescription) {
  if (description.log === 'unexpected') log.error({ err: error }, 'MCP request failed');
  if (description.log === 'error') log.error({ err: error }, description.message);
}

/**
 * A tool call that failed, as MCP reports it: a result with `isError`, so that the client, and the
 * model behind it, reads why (a provider down, a budget spent, a session of another agent) and can
 * act on it. The message is the one the HTTP API would give; raw internal errors never show.
 */
export function failedToolResult(error: unknown, log: FastifyBaseLogger): CallToolResult {
  const description = describeError(error);
  logFailure(log, error, description);
  const retry =
    description.retryAfterSeconds === undefined ? '' : ` (retry in ${description.retryAfterSeconds} s)`;
  return {
    content: [{ type: 'text', text: `Error ${description.code}: ${description.message}${retry}` }],
    isError: true,
  };
}

import type { Schema } from '@agentry/client';

export type ErrorBody = Schema<'Error'>;
export type FieldError = NonNullable<ErrorBody['validation_errors']>[number];

/** A refused request, as the API described it: shown with its message and correlation id. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly correlationId: string | null;
  readonly fieldErrors: FieldError[];
  readonly details: Record<string, unknown> | null;

  constructor(status: number, body: Partial<ErrorBody> | null, correlationId: string | null) {
    super(body?.message ?? `The server answered ${status}`);
    this.status = status;
    this.code = body?.code ?? 'http_error';
    this.correlationId = body?.correlation_id ?? correlationId;
    this.fieldErrors = body?.validation_errors ?? [];
    this.details = body?.details ?? null;
  }

  /** The message of the error on `field` (a dotted path such as `traits.empathy`), if any. */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((error) => error.field === field)?.message;
  }
}

/** Network failures and the like, given the same shape so pages show them one way. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, { message: `Could not reach the server: ${message}`, code: 'network_error' }, null);
}

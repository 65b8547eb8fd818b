/** Who is at fault: the caller, Agentry itself, or a system Agentry depends on. */
export type ErrorCategory = 'user' | 'system' | 'third_party';

export interface FieldError {
  field: string;
  message: string;
  value?: unknown;
  /** Where the field is; the body when absent. */
  location?: 'body' | 'querystring' | 'params' | 'headers';
}

/**
 * The one error hierarchy of Agentry. Services throw these; the HTTP layer maps them to the
 * standard error body once (error-handler.ts). Messages are written for the API caller.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly category: ErrorCategory;
  readonly details: Record<string, unknown> | undefined;
  /** When to try again, sent as Retry-After (rate limits, an unavailable upstream). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      status: number;
      category?: ErrorCategory;
      details?: Record<string, unknown>;
      cause?: unknown;
      retryAfterSeconds?: number;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status;
    this.category = options.category ?? 'user';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class ValidationError extends AppError {
  readonly fieldErrors: FieldError[];
  constructor(message: string, fieldErrors: FieldError[]) {
    super('validation_error', message, { status: 422 });
    this.fieldErrors = fieldErrors;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'authentication_error') {
    super(code, message, { status: 401 });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have access to this resource') {
    super('authorization_error', message, { status: 403 });
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string) {
    super('not_found', `${resource} not found`, { status: 404 });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 409, details });
  }
}

/** The request is larger than Agentry accepts (an upload past its size limit). */
export class PayloadTooLargeError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 413, details });
  }
}

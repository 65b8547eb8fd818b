import { AppError } from '../../platform/http/errors.ts';

/**
 * A channel's destination (Slack, an SMTP server, a webhook receiver) did not take a reply.
 * `retryable` says whether sending the same reply again may succeed (a rate limit, an outage, a
 * timeout) or cannot (revoked credentials, an unknown destination). Retryable failures answer 503,
 * the others 502, so code that only reads the status (task retries) draws the same line.
 */
export class ChannelSendError extends AppError {
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: {
      retryable: boolean;
      retryAfterSeconds?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    },
  ) {
    super(code, message, {
      status: options.retryable ? 503 : 502,
      category: 'third_party',
      details: options.details,
      cause: options.cause,
      retryAfterSeconds: options.retryAfterSeconds,
    });
    this.retryable = options.retryable;
  }
}

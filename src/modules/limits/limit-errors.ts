import { AppError } from '../../platform/http/errors.ts';
import type { OrganizationTier } from './limit-settings.ts';
import type { RouteClass } from './route-class.ts';

/** A route class's budget is spent (429). */
export class RateLimitedError extends AppError {
  constructor(
    routeClass: RouteClass,
    limit: number,
    retryAfterSeconds: number,
    tier: OrganizationTier | null,
  ) {
    const whose = tier ? `your organization’s ${tier} tier` : 'your address';
    super(
      'rate_limited',
      `Rate limit reached: ${limit} ${routeClass} requests per minute for ${whose}; retry in ${retryAfterSeconds} s`,
      {
        status: 429,
        retryAfterSeconds,
        details: { route_class: routeClass, limit, window_seconds: 60, tier },
      },
    );
  }
}

/** Too many failed sign-ins for the account or from the address (429). */
export class SignInLockedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('sign_in_locked', `Too many failed sign-ins: try again in ${retryAfterSeconds} s`, {
      status: 429,
      retryAfterSeconds,
      details: { retry_after_seconds: retryAfterSeconds },
    });
  }
}

/** The organization runs as many turns, or holds as many event streams, as its tier allows (429). */
export class ConcurrencyLimitedError extends AppError {
  constructor(what: 'turns' | 'event_streams', limit: number, tier: OrganizationTier) {
    const noun = what === 'turns' ? 'turns running' : 'event streams open';
    super(
      what === 'turns' ? 'concurrency_limited' : 'stream_limited',
      `Your organization has ${limit} ${noun} at once, the most its ${tier} tier allows on this server; retry when one ends`,
      { status: 429, retryAfterSeconds: 1, details: { limit, tier } },
    );
  }
}

/** The process is overloaded and sheds work (503); another process, or this one shortly, will serve it. */
export class OverloadedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('overloaded', 'The server is overloaded; retry shortly', {
      status: 503,
      category: 'system',
      retryAfterSeconds,
    });
  }
}

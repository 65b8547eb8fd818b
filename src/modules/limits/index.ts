import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { TurnAdmission } from '../execution/index.ts';
import { type SignInThrottle, unthrottledSignIn } from '../tenancy/index.ts';
import { createDatabaseRateCountStore } from './database-rate-count-store.ts';
import { createEventStreamCap } from './event-stream-cap.ts';
import type { LimitSettings } from './limit-settings.ts';
import { createOrganizationTiers } from './organization-tiers.ts';
import { registerOverloadProtection } from './overload-protection.ts';
import { documentRateLimits, registerRateLimits } from './rate-limit-hook.ts';
import { createRedisRateCountStore } from './redis-rate-count-store.ts';
import { createSharedRateCounter } from './shared-rate-counter.ts';
import { createSignInLockout } from './sign-in-lockout.ts';
import { concurrentTurnsPerOrganization, concurrentTurnsPerProcess } from './turn-admissions.ts';

export { changeOrganizationTier } from './organization-tiers.ts';

export interface LimitsOptions {
  db: Database;
  events: EventBus;
  settings: LimitSettings;
  /** Where the OpenAI-compatible routes live: their refusals are documented in OpenAI's error body. */
  openAiCompatiblePrefix: string;
}

export interface Limits {
  /** Brute-force protection for the tenancy module's sign-in and refresh. */
  signInThrottle: SignInThrottle;
  /** The events module's check before a stream opens (a route's preHandler). */
  admitEventStream(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** For the turn registry: per-organization fairness and the process-wide bound. */
  turnAdmissions: TurnAdmission[];
}

/**
 * Rate limits, sign-in locks, caps on turns and event streams, and load shedding
 * (docs/limits.md). Registered before any route, so that its hooks see every route. With
 * RATE_LIMIT_ENABLED=false only the process-wide overload protection remains.
 */
export function registerLimits(app: FastifyInstance, options: LimitsOptions): Limits {
  const { settings } = options;
  documentRateLimits(app, `${options.openAiCompatiblePrefix}/`);
  registerOverloadProtection(app, {
    maxEventLoopDelayMs: settings.overload.maxEventLoopDelayMs,
    apiPrefixes: ['/api/', `${options.openAiCompatiblePrefix}/`],
  });
  const processBound =
    settings.overload.maxConcurrentTurns > 0
      ? [concurrentTurnsPerProcess(settings.overload.maxConcurrentTurns)]
      : [];
  if (!settings.enabled) {
    return {
      signInThrottle: unthrottledSignIn,
      admitEventStream: async () => {},
      turnAdmissions: processBound,
    };
  }

  const tiers = createOrganizationTiers({
    db: options.db,
    events: options.events,
    fallback: settings.defaultTier,
  });
  const counter = createSharedRateCounter({
    store: settings.redisUrl
      ? createRedisRateCountStore(settings.redisUrl)
      : createDatabaseRateCountStore(options.db),
    syncIntervalMs: settings.syncIntervalMs,
    onError: (error) => app.log.warn({ err: error }, 'rate limit counts could not be shared; retrying'),
  });
  const turnsPerOrganization = concurrentTurnsPerOrganization(tiers, settings.concurrentTurns);
  registerRateLimits(app, {
    counter,
    tiers,
    settings,
    refuseExecutionWhenFull: turnsPerOrganization.refuseWhenFull,
  });
  app.addHook('onClose', async () => {
    tiers.close();
    await counter.close();
  });
  return {
    signInThrottle: createSignInLockout({
      db: options.db,
      policy: settings.signIn,
      onError: (error) => app.log.warn({ err: error }, 'forgetting old sign-in failures failed'),
    }),
    admitEventStream: createEventStreamCap(tiers, settings.eventStreams),
    turnAdmissions: [turnsPerOrganization.admission, ...processBound],
  };
}

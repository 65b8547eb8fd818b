import { z } from 'zod';

export const organizationTiers = ['free', 'pro', 'enterprise'] as const;
export type OrganizationTier = (typeof organizationTiers)[number];
/** A number for each tier. */
export type PerTier = Record<OrganizationTier, number>;

/**
 * A setting with a positive whole number for each tier, written `free=60,pro=300,enterprise=1200`
 * (all three, in any order).
 */
export const perTierSetting = (defaults: string) =>
  z
    .string()
    .default(defaults)
    .transform((value, context): PerTier => {
      const entries = value.split(',').map((entry) => entry.split('=').map((part) => part.trim()));
      const parsed: Partial<PerTier> = {};
      for (const [tier, amount] of entries) {
        const number = Number(amount);
        if (
          !organizationTiers.includes(tier as OrganizationTier) ||
          !Number.isInteger(number) ||
          number < 1
        ) {
          context.addIssue({
            code: 'custom',
            message: `must be free=N,pro=N,enterprise=N with whole numbers >= 1 (e.g. ${defaults})`,
          });
          return z.NEVER;
        }
        parsed[tier as OrganizationTier] = number;
      }
      const missing = organizationTiers.filter((tier) => parsed[tier] === undefined);
      if (missing.length > 0) {
        context.addIssue({ code: 'custom', message: `names no number for ${missing.join(', ')}` });
        return z.NEVER;
      }
      return parsed as PerTier;
    });

/** The limit settings as `settingsSchema` parses them (src/config.ts). */
export interface LimitSettingValues {
  RATE_LIMIT_ENABLED: boolean;
  RATE_LIMIT_READS_PER_MINUTE: PerTier;
  RATE_LIMIT_WRITES_PER_MINUTE: PerTier;
  RATE_LIMIT_EXECUTION_PER_MINUTE: PerTier;
  RATE_LIMIT_UPLOADS_PER_MINUTE: PerTier;
  RATE_LIMIT_AUTH_PER_MINUTE: number;
  RATE_LIMIT_SYNC_MS: number;
  REDIS_URL?: string | undefined;
  DEFAULT_ORGANIZATION_TIER: OrganizationTier;
  CONCURRENT_TURNS_PER_ORGANIZATION: PerTier;
  EVENT_STREAMS_PER_ORGANIZATION: PerTier;
  LOGIN_LOCKOUT_THRESHOLD: number;
  LOGIN_LOCKOUT_BASE_SECONDS: number;
  LOGIN_LOCKOUT_MAX_SECONDS: number;
  LOGIN_ADDRESS_LOCKOUT_THRESHOLD: number;
  LOGIN_ACCOUNT_LOCKOUT_THRESHOLD: number;
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: number;
  OVERLOAD_MAX_CONCURRENT_TURNS: number;
}

/** Rate limits, sign-in locks, caps and overload protection (docs/limits.md). */
export interface LimitSettings {
  /** False turns every limit on callers off (rate limits, sign-in locks, per-organization caps). */
  enabled: boolean;
  /** Requests per minute of an organization, by route class and tier. */
  perMinute: { reads: PerTier; writes: PerTier; execution: PerTier; uploads: PerTier };
  /** Requests per minute of one client address to the anonymous auth routes. */
  authPerMinute: number;
  /** How often each process adds its counts to the shared store (and learns the others'). */
  syncIntervalMs: number;
  /** Redis instead of the database as the shared store of counts. */
  redisUrl: string | undefined;
  /** The tier of a new organization. */
  defaultTier: OrganizationTier;
  /** Turns one organization may run at once in one process. */
  concurrentTurns: PerTier;
  /** SSE and WebSocket event streams one organization may hold open in one process. */
  eventStreams: PerTier;
  signIn: {
    /** Failures of one account from one address before it is locked there. */
    threshold: number;
    /** The first lock; each further failure doubles it, up to `maxLockSeconds`. */
    baseLockSeconds: number;
    maxLockSeconds: number;
    /** Failures from one address over any accounts before the address is locked. */
    addressThreshold: number;
    /** Failures on one account from any addresses before it is locked for `baseLockSeconds`. */
    accountThreshold: number;
  };
  /** Process-wide shedding (503); 0 turns a bound off. Independent of `enabled`. */
  overload: { maxEventLoopDelayMs: number; maxConcurrentTurns: number };
}

export function limitSettingsFrom(values: LimitSettingValues): LimitSettings {
  return {
    enabled: values.RATE_LIMIT_ENABLED,
    perMinute: {
      reads: values.RATE_LIMIT_READS_PER_MINUTE,
      writes: values.RATE_LIMIT_WRITES_PER_MINUTE,
      execution: values.RATE_LIMIT_EXECUTION_PER_MINUTE,
      uploads: values.RATE_LIMIT_UPLOADS_PER_MINUTE,
    },
    authPerMinute: values.RATE_LIMIT_AUTH_PER_MINUTE,
    syncIntervalMs: values.RATE_LIMIT_SYNC_MS,
    redisUrl: values.REDIS_URL,
    defaultTier: values.DEFAULT_ORGANIZATION_TIER,
    concurrentTurns: values.CONCURRENT_TURNS_PER_ORGANIZATION,
    eventStreams: values.EVENT_STREAMS_PER_ORGANIZATION,
    signIn: {
      threshold: values.LOGIN_LOCKOUT_THRESHOLD,
      baseLockSeconds: values.LOGIN_LOCKOUT_BASE_SECONDS,
      maxLockSeconds: Math.max(values.LOGIN_LOCKOUT_MAX_SECONDS, values.LOGIN_LOCKOUT_BASE_SECONDS),
      addressThreshold: values.LOGIN_ADDRESS_LOCKOUT_THRESHOLD,
      accountThreshold: values.LOGIN_ACCOUNT_LOCKOUT_THRESHOLD,
    },
    overload: {
      maxEventLoopDelayMs: values.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxConcurrentTurns: values.OVERLOAD_MAX_CONCURRENT_TURNS,
    },
  };
}

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.ts';

describe('limit settings', () => {
  it('default to the documented table (docs/limits.md)', () => {
    const { limits } = loadConfig({});
    expect(limits).toMatchObject({
      enabled: true,
      perMinute: {
        reads: { free: 60, pro: 300, enterprise: 1200 },
        writes: { free: 10, pro: 50, enterprise: 200 },
        execution: { free: 10, pro: 50, enterprise: 200 },
        uploads: { free: 20, pro: 100, enterprise: 400 },
      },
      authPerMinute: 30,
      syncIntervalMs: 200,
      redisUrl: undefined,
      defaultTier: 'free',
      concurrentTurns: { free: 5, pro: 20, enterprise: 100 },
      eventStreams: { free: 10, pro: 50, enterprise: 200 },
      signIn: {
        threshold: 5,
        baseLockSeconds: 30,
        maxLockSeconds: 900,
        addressThreshold: 20,
        accountThreshold: 50,
      },
      overload: { maxEventLoopDelayMs: 1000, maxConcurrentTurns: 1000 },
    });
  });

  it('read a number per tier, in any order', () => {
    const { limits } = loadConfig({
      RATE_LIMIT_READS_PER_MINUTE: 'enterprise=5000, free=90,pro=400',
      DEFAULT_ORGANIZATION_TIER: 'pro',
      REDIS_URL: 'redis://127.0.0.1:6379/2',
      RATE_LIMIT_ENABLED: 'false',
    });
    expect(limits.perMinute.reads).toEqual({ free: 90, pro: 400, enterprise: 5000 });
    expect(limits).toMatchObject({
      enabled: false,
      defaultTier: 'pro',
      redisUrl: 'redis://127.0.0.1:6379/2',
    });
  });

  it('refuse a table that misses a tier, names an unknown one or a number below 1', () => {
    for (const value of [
      'free=60,pro=300',
      'free=60,pro=300,enterprise=1200,gold=1',
      'free=0,pro=1,enterprise=1',
    ]) {
      expect(() => loadConfig({ CONCURRENT_TURNS_PER_ORGANIZATION: value })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ DEFAULT_ORGANIZATION_TIER: 'gold' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError);
  });
});

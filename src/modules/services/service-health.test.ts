import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { RetriesExhaustedError } from '../../platform/resilience/retry.ts';
import { describeFailure } from './service-failure.ts';
import { statusOf } from './service-health.ts';

const quiet = {
  circuit: 'closed' as const,
  consecutiveFailures: 0,
  openedAt: null,
  successes: 0,
  failures: 0,
  lastSuccessAt: null,
  lastFailureAt: null,
  lastError: null,
};
const check = (status: string, at: number, error: string | null = null) => ({
  status,
  checked_at: new Date(at).toISOString(),
  error,
});

describe('statusOf', () => {
  it('puts the circuit first: open is unhealthy, half-open degraded, whatever else is known', () => {
    const answering = { ...quiet, lastSuccessAt: 5_000 };
    expect(statusOf({ ...answering, circuit: 'open' }, check('connected', 1_000))).toBe('unhealthy');
    expect(statusOf({ ...answering, circuit: 'half_open' }, check('connected', 1_000))).toBe('degraded');
  });

  it('trusts a failed check of the owner until a call succeeds after it', () => {
    expect(statusOf(quiet, check('error', 2_000, 'HTTP 401'))).toBe('unhealthy');
    expect(statusOf({ ...quiet, lastSuccessAt: 1_000 }, check('error', 2_000, 'HTTP 401'))).toBe('unhealthy');
    expect(statusOf({ ...quiet, lastSuccessAt: 3_000 }, check('error', 2_000, 'HTTP 401'))).toBe('healthy');
  });

  it('is degraded while the latest calls fail, healthy when calls or the check succeed, else unknown', () => {
    expect(statusOf({ ...quiet, consecutiveFailures: 1, lastFailureAt: 2_000 }, null)).toBe('degraded');
    expect(statusOf({ ...quiet, lastSuccessAt: 1_000, lastFailureAt: 2_000 }, null)).toBe('degraded');
    expect(statusOf({ ...quiet, lastSuccessAt: 3_000, lastFailureAt: 2_000 }, null)).toBe('healthy');
    expect(statusOf(quiet, check('connected', 1_000))).toBe('healthy');
    expect(statusOf(quiet, check('pending', 1_000))).toBe('unknown');
    expect(statusOf(quiet, null)).toBe('unknown');
  });
});

describe('describeFailure', () => {
  it('keeps an HTTP failure to its status, never the service’s text', () => {
    const refusal = new APICallError({
      message: 'Account acme-corp-billing is over quota',
      url: 'https://api.example/v1/chat/completions',
      requestBodyValues: {},
      statusCode: 503,
      isRetryable: true,
    });
    expect(describeFailure(new RetriesExhaustedError(3, refusal))).toBe('Gave up after 3 attempts: HTTP 503');
    expect(describeFailure(new RetriesExhaustedError(1, refusal))).toBe('Gave up after 1 attempt: HTTP 503');
  });

  it('shortens other failures and removes what looks like a credential', () => {
    const dropped = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    expect(describeFailure(dropped)).toBe('fetch failed (ECONNREFUSED)');
    const echoed = new Error('rejected Bearer abc.def and key sk-proj-0123456789abcdefghijklmnopqrstuv');
    expect(describeFailure(echoed)).toBe('rejected Bearer [redacted] and key [redacted]');
    expect(describeFailure(new Error('down '.repeat(200)))).toHaveLength(300);
  });
});

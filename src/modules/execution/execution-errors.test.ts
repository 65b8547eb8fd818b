import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../platform/http/errors.ts';
import { ModelTimeoutError } from '../../platform/llm/resilient-model.ts';
import { CircuitOpenError } from '../../platform/resilience/circuit-breaker.ts';
import { RetriesExhaustedError } from '../../platform/resilience/retry.ts';
import { TurnTimeoutError, toExecutionError } from './execution-errors.ts';
import { parseSuggestions } from './suggestions.ts';

const apiError = (statusCode: number, headers: Record<string, string> = {}) =>
  new APICallError({
    message: 'upstream said: sk-secret-key is invalid',
    url: 'http://provider.test/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    isRetryable: statusCode === 429 || statusCode >= 500,
  });

describe('toExecutionError', () => {
  it('maps an open circuit and exhausted retries to 503 with Retry-After', () => {
    expect(toExecutionError(new CircuitOpenError('Stub', 12_300))).toMatchObject({
      status: 503,
      code: 'provider_circuit_open',
      retryAfterSeconds: 13,
    });
    expect(
      toExecutionError(new RetriesExhaustedError(3, apiError(429, { 'retry-after': '7' }))),
    ).toMatchObject({
      status: 503,
      code: 'provider_rate_limited',
      retryAfterSeconds: 7,
    });
    expect(toExecutionError(new RetriesExhaustedError(3, new ModelTimeoutError(100)))).toMatchObject({
      status: 503,
      code: 'provider_unavailable',
      message: expect.stringContaining('did not answer in time'),
      retryAfterSeconds: 5,
    });
  });

  it('maps a provider’s refusal to 502 without passing its message on', () => {
    const error = toExecutionError(apiError(401));
    expect(error).toMatchObject({ status: 502, code: 'provider_error', category: 'third_party' });
    expect(error.message).toContain('API key');
    expect(error.message).not.toContain('sk-secret-key');
  });

  it('maps the turn timeout to 504 and keeps Agentry’s own errors', () => {
    expect(toExecutionError(new TurnTimeoutError(2))).toMatchObject({ status: 504, code: 'timeout' });
    const own = new BadRequestError('outbound_url_blocked', 'refused');
    expect(toExecutionError(own)).toBe(own);
    expect(toExecutionError(new Error('wrapped', { cause: own }))).toBe(own);
  });
});

describe('parseSuggestions', () => {
  it('takes at most three lines without bullets, numbers, quotes or repeats', () => {
    expect(parseSuggestions('1. First?\n\n- "Second?"\n* First?\n• Third\nFourth')).toEqual([
      'First?',
      'Second?',
      'Third',
    ]);
    expect(parseSuggestions('')).toEqual([]);
  });
});

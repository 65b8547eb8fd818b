import { describe, expect, it } from 'vitest';
import { isSecretFieldName, reportedValue, reportedValueAt } from './field-value.ts';

describe('isSecretFieldName', () => {
  it.each([
    'password',
    'new_password',
    'api_key',
    'API_KEY',
    'x-api-key',
    'token',
    'refresh_token',
    'secret',
    'client_secret',
    'private_key',
    'authorization',
    'credentials',
    'smtp_credentials',
    'cookie',
  ])('%s looks secret', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
  });

  it.each([
    'name',
    'keys',
    'tokens_used',
    'max_tokens',
    'monkey',
    'secretary',
    'password_hint',
  ])('%s does not', (name) => {
    expect(isSecretFieldName(name)).toBe(false);
  });
});

describe('reportedValueAt', () => {
  it('walks objects and arrays by own keys only, and reports what is absent as null', () => {
    const input = { messages: [{ content: 'hi' }] };
    expect(reportedValueAt(input, ['messages', '0', 'content'])).toBe('hi');
    expect(reportedValueAt(input, ['messages', '1', 'content'])).toBeNull();
    expect(reportedValueAt(input, ['constructor'])).toBeNull();
    expect(reportedValueAt(input, ['messages', 'length'])).toBeNull();
    expect(reportedValueAt('text', ['field'])).toBeNull();
  });

  it('redacts by the last segment that is not an array index', () => {
    expect(reportedValueAt({ refresh_tokens: ['a', 'b'] }, ['refresh_tokens', '1'])).toBe('b');
    expect(reportedValueAt({ api_key: ['a', 'b'] }, ['api_key', '1'])).toBe('[redacted]');
    expect(reportedValueAt({ api_key: null }, ['api_key'])).toBeNull();
  });
});

describe('reportedValue', () => {
  it('cuts a long string after 200 characters, never inside a surrogate pair', () => {
    const text = `${'a'.repeat(199)}😀${'b'.repeat(10)}`;
    expect(reportedValue(text, ['note'])).toBe(`${'a'.repeat(199)}😀…`);
    expect(reportedValue('a'.repeat(200), ['note'])).toBe('a'.repeat(200));
  });

  it('describes containers past 1 KB, counting keys and items', () => {
    expect(reportedValue({ note: 'x'.repeat(1_100) }, ['metadata'])).toBe('[object, 1 key]');
    expect(reportedValue(Array(2_000).fill(0), ['items'])).toBe('[array, 2000 items]');
    // Escapes count: 200 quotes are 400 bytes of JSON.
    expect(reportedValue(['"'.repeat(600)], ['items'])).toBe('[array, 1 item]');
    expect(reportedValue({ note: 'x'.repeat(900) }, ['metadata'])).toEqual({ note: 'x'.repeat(900) });
  });

  it('describes JSON nested 100,000 levels deep without walking all of it', () => {
    let nested: unknown = 1;
    for (let level = 0; level < 100_000; level++) nested = { a: nested };
    expect(reportedValue(nested, ['metadata'])).toBe('[object, 1 key]');
  });

  it('redacts secret-looking keys at any depth of a value it shows', () => {
    expect(
      reportedValue({ auth: { Client_Secret: 's', scope: 'read' }, list: [{ token: 't' }] }, ['x']),
    ).toEqual({
      auth: { Client_Secret: '[redacted]', scope: 'read' },
      list: [{ token: '[redacted]' }],
    });
  });

  it('reports what is not JSON by its kind', () => {
    expect(reportedValue(Buffer.from('abc'), ['body'])).toBe('[binary, 3 bytes]');
    expect(reportedValue(undefined, ['body'])).toBeNull();
    expect(reportedValue(false, ['flag'])).toBe(false);
  });
});

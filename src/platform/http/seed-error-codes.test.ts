import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedErrorCodeByCode, seedErrorCodeFor, seedErrorCodes } from './seed-error-codes.ts';

/** The rows of the code table in docs/errors.md: code -> error_code (null for —). */
function documentedTable(): Record<string, string | null> {
  const text = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...text.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (?:`([a-z_]+)`|—) \|/gm)];
  return Object.fromEntries(rows.map(([, code, , seedName]) => [code, seedName ?? null]));
}

describe('the mapping of Agentry codes to seed 004’s ErrorCode', () => {
  it('is the table docs/errors.md shows, row for row', () => {
    expect(documentedTable()).toEqual(seedErrorCodeByCode);
  });

  it('maps only to names of seed 004’s ErrorCode', () => {
    for (const name of Object.values(seedErrorCodeByCode)) {
      if (name !== null) expect(seedErrorCodes).toContain(name);
    }
  });

  it('gives a code in the table its name, whatever the status, and none where the table says none', () => {
    expect(seedErrorCodeFor('provider_circuit_open', 503)).toBe('circuit_breaker_open');
    expect(seedErrorCodeFor('bad_request', 406)).toBe('validation_error');
    expect(seedErrorCodeFor('overloaded', 503)).toBeUndefined();
    expect(seedErrorCodeFor('not_found', 404)).toBeUndefined();
  });

  it('gives a code not in the table the name of its status, when the status has one', () => {
    expect(seedErrorCodeFor('some_new_refusal', 403)).toBe('authorization_error');
    expect(seedErrorCodeFor('some_new_limit', 429)).toBe('rate_limit_error');
    expect(seedErrorCodeFor('some_new_conflict', 409)).toBeUndefined();
    expect(seedErrorCodeFor('some_new_upstream_failure', 502)).toBeUndefined();
    expect(seedErrorCodeFor('toString', 404)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { boundedJson } from './bounded-json.ts';

describe('boundedJson', () => {
  it('cuts a value past the limit to its text with a note, within the limit once JSON-encoded', () => {
    expect(boundedJson('short', 100)).toBe('short');
    const cut = boundedJson('é"\n'.repeat(2_000), 1_024) as string;
    expect(cut).toMatch(/\n\[Result cut: it had \d+ bytes, the limit is 1024\]$/);
    expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(1_024);
    expect(cut.startsWith('é"\n')).toBe(true);
    const object = boundedJson(
      { rows: Array.from({ length: 500 }, (_, index) => ({ index })) },
      1_024,
    ) as string;
    expect(object.startsWith('{"rows":[{"index":0}')).toBe(true);
  });
});

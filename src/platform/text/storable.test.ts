import { describe, expect, it } from 'vitest';
import { storableJson, storableText } from './storable.ts';

describe('storable text', () => {
  it('replaces NUL and lone surrogates, and leaves other text alone', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('café ✓ 🎉')).toBe('café ✓ 🎉');
  });

  it('walks JSON, keys included, and keeps numbers, booleans and null', () => {
    expect(storableJson({ 'k\u0000': ['v\u0000', 1, true, null, { n: 'ok' }] })).toEqual({
      'k\uFFFD': ['v\uFFFD', 1, true, null, { n: 'ok' }],
    });
  });
});

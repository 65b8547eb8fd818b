import { describe, expect, it } from 'vitest';
import { shortenText, truncateText } from './shorten.ts';

describe('shortenText', () => {
  it('collapses whitespace and trims; a short text is kept whole', () => {
    expect(shortenText('  Refund \n\t for   order 1042 ', 80)).toBe('Refund for order 1042');
    expect(shortenText('x'.repeat(80), 80)).toBe('x'.repeat(80));
  });

  it('cuts a long text at a word boundary, with an ellipsis counted in the limit', () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    expect(shortenText(text, 20)).toBe('The quick brown fox…');
    expect(Array.from(shortenText(text, 20)).length).toBeLessThanOrEqual(20);
    expect(shortenText(text, 18)).toBe('The quick brown…');
  });

  it('cuts mid-word when no boundary falls in the second half', () => {
    expect(shortenText(`a ${'b'.repeat(100)}`, 10)).toBe(`a ${'b'.repeat(7)}…`);
    expect(shortenText('y'.repeat(100), 10)).toBe(`${'y'.repeat(9)}…`);
  });

  it('counts code points and never splits a surrogate pair', () => {
    const shortened = shortenText('😀'.repeat(100), 10);
    expect(Array.from(shortened)).toHaveLength(10);
    expect(shortened).toBe(`${'😀'.repeat(9)}…`);
  });
});

describe('truncateText', () => {
  it('keeps a text that fits, whitespace and line breaks included', () => {
    expect(truncateText('one\n  two', 9)).toBe('one\n  two');
    expect(truncateText('😀'.repeat(10), 10)).toBe('😀'.repeat(10));
  });

  it('cuts a longer text, with the ellipsis counted in the limit, never inside a surrogate pair', () => {
    expect(truncateText('line one\nline two', 10)).toBe('line one…');
    expect(truncateText('😀'.repeat(11), 10)).toBe(`${'😀'.repeat(9)}…`);
  });
});

import { describe, expect, it } from 'vitest';
import { inputViolations, isAcceptableInput, MAX_JSON_DEPTH } from './input-rules.ts';

/** `{"a": {"a": ... leaf}}`, `levels` objects deep. */
function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

/** What the query string parser builds: an object whose prototype has no prototype. */
function queryObject(entries: Record<string, unknown>) {
  function Empty() {}
  Empty.prototype = Object.create(null);
  return Object.assign(Reflect.construct(Empty, []), entries);
}

describe('isAcceptableInput', () => {
  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['plain text', 'hello'],
    ['emoji, CJK, combining marks and right-to-left text', '😀 中文 e\u0301 שלום'],
    ['a well-formed surrogate pair', '\ud83d\ude00'],
    ['nested data', { name: 'x', tags: ['a', 'b'], traits: { empathy: 50 }, none: null }],
    ['a query object', queryObject({ search: 'x', tag: ['a', 'b'] })],
    [`exactly ${MAX_JSON_DEPTH} levels`, nested(MAX_JSON_DEPTH)],
    ['a buffer, whose bytes are not text', Buffer.from([0, 0xd8, 0])],
  ])('accepts %s', (_name, input) => {
    expect(isAcceptableInput(input)).toBe(true);
  });

  it.each([
    ['a NUL in a string', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['a NUL deep in an array', { a: [1, { b: ['ok', 'x\u0000'] }] }],
    ['a NUL in a key', { 'ke\u0000y': 1 }],
    ['a lone surrogate in a nested key', { a: { '\ud800': 1 } }],
    ['a NUL in a query object', queryObject({ search: '\u0000' })],
    [`${MAX_JSON_DEPTH + 1} levels`, nested(MAX_JSON_DEPTH + 1)],
    ['10,000 levels of arrays', JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
  ])('refuses %s', (_name, input) => {
    expect(isAcceptableInput(input)).toBe(false);
  });

  it('judges each input on its own after a refusal', () => {
    expect(isAcceptableInput({ a: [{ b: '\u0000' }, { c: [[['deep']]] }] })).toBe(false);
    expect(isAcceptableInput({ fine: 'yes' })).toBe(true);
  });
});

describe('inputViolations', () => {
  it('names each offending field by its dotted path and location, in the order written', () => {
    expect(
      inputViolations({ name: 'a\u0000', messages: [{ content: 'ok' }, { content: '\ud800' }] }, 'body'),
    ).toEqual([
      { field: 'name', location: 'body', message: 'must not contain the NUL character (U+0000)' },
      {
        field: 'messages.1.content',
        location: 'body',
        message: 'must not contain a lone UTF-16 surrogate (invalid Unicode)',
      },
    ]);
  });

  it('names a key that cannot be stored', () => {
    expect(inputViolations({ metadata: { 'a\u0000': 1 } }, 'body')).toEqual([
      {
        field: 'metadata.a\u0000',
        location: 'body',
        message: 'key must not contain the NUL character (U+0000)',
      },
    ]);
  });

  it('names the location itself for a bare string', () => {
    expect(inputViolations('\u0000', 'body')).toEqual([
      { field: 'body', location: 'body', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('names the first level past the limit without walking further', () => {
    const violations = inputViolations({ metadata: nested(10_000) }, 'body');
    expect(violations).toEqual([
      {
        field: ['metadata', ...Array(MAX_JSON_DEPTH - 1).fill('a')].join('.'),
        location: 'body',
        message: `is nested deeper than ${MAX_JSON_DEPTH} levels`,
      },
    ]);
  });

  it('reports at most 20 fields', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`f${index}`, '\u0000']));
    expect(inputViolations(many, 'querystring')).toHaveLength(20);
  });

  it('finds nothing in acceptable input', () => {
    expect(inputViolations({ a: ['b', { c: 'd' }] }, 'params')).toEqual([]);
  });
});

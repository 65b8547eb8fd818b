import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../http/errors.ts';
import { assertAnswerSchema, VALIDATOR_CACHE_SIZE, validateAgainstSchema } from './json-schema-validator.ts';

const scores = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { score: { type: 'integer', maximum: 10 }, label: { enum: ['good', 'bad'] } },
        required: ['score', 'label'],
        additionalProperties: false,
      },
    },
  },
  required: ['items'],
};

function thrownBy(action: () => void): ValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validateAgainstSchema', () => {
  it('accepts a valid value', () => {
    expect(validateAgainstSchema(scores, { items: [{ score: 3, label: 'good' }] })).toEqual({ valid: true });
  });

  it('reports every problem with its path, allowed values and property names', () => {
    const result = validateAgainstSchema(scores, {
      items: [{ score: 11, label: 'fine', note: 'x' }, { label: 'bad' }],
    });
    expect(result).toEqual({
      valid: false,
      problems: expect.arrayContaining([
        "/items/0: must NOT have additional property 'note'",
        '/items/0/score: must be <= 10',
        '/items/0/label: must be one of "good", "bad"',
        "/items/1: must have required property 'score'",
      ]),
    });
  });

  it('names the root as (root)', () => {
    expect(validateAgainstSchema(scores, [])).toEqual({ valid: false, problems: ['(root): must be object'] });
    expect(validateAgainstSchema({ type: 'object', required: ['a'] }, {})).toEqual({
      valid: false,
      problems: ["(root): must have required property 'a'"],
    });
  });

  it('checks formats, and reads draft-07 and 2020-12 schemas', () => {
    const draft07 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { at: { type: 'string', format: 'date-time' }, pair: { items: [{ type: 'number' }] } },
      definitions: { unused: { type: 'string' } },
    };
    expect(validateAgainstSchema(draft07, { at: 'yesterday' })).toEqual({
      valid: false,
      problems: ['/at: must match format "date-time"'],
    });
    expect(validateAgainstSchema(draft07, { at: '2026-01-01T00:00:00Z', pair: ['x'] })).toEqual({
      valid: false,
      problems: ['/pair/0: must be number'],
    });
    const modern = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { prefixItems: [{ type: 'number' }], items: false } },
    };
    expect(validateAgainstSchema(modern, { pair: [1, 2] })).toEqual({
      valid: false,
      problems: ['/pair: must NOT have more than 1 items'],
    });
  });

  it('lets two different schemas share an $id', () => {
    const first = { $id: 'https://example.com/answer', type: 'object', required: ['a'] };
    const second = { $id: 'https://example.com/answer', type: 'object', required: ['b'] };
    expect(validateAgainstSchema(first, { a: 1 }).valid).toBe(true);
    expect(validateAgainstSchema(second, { a: 1 }).valid).toBe(false);
    expect(
      validateAgainstSchema({ required: ['a'], type: 'object', $id: 'https://example.com/answer' }, {}),
    ).toEqual({ valid: false, problems: ["(root): must have required property 'a'"] });
  });

  it('compiles a schema once, whatever its key order, until it is the least recently used', () => {
    const compile = vi.spyOn(Ajv2020.prototype, 'compile');
    try {
      const schema = { type: 'object', properties: { cached: { type: 'string' } } };
      validateAgainstSchema(schema, {});
      validateAgainstSchema({ properties: { cached: { type: 'string' } }, type: 'object' }, {});
      expect(compile).toHaveBeenCalledTimes(1);
      for (let index = 0; index < VALIDATOR_CACHE_SIZE; index++)
        validateAgainstSchema({ type: 'object', maxProperties: index }, {});
      compile.mockClear();
      validateAgainstSchema(schema, {});
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
  });
});

describe('assertAnswerSchema', () => {
  it('accepts ordinary object schemas, unknown keywords and formats included', () => {
    expect(() =>
      assertAnswerSchema(
        { type: 'object', properties: { phone: { type: 'string', format: 'phone', 'x-ui': 'tel' } } },
        'response_schema',
      ),
    ).not.toThrow();
  });

  it('names the faulty path of an invalid schema', () => {
    const error = thrownBy(() =>
      assertAnswerSchema({ type: 'object', properties: { score: { type: 'integr' } } }, 'response_schema'),
    );
    expect(error.status).toBe(422);
    expect(error.fieldErrors[0]).toEqual({
      field: 'response_schema.properties.score.type',
      message: expect.stringContaining('must be one of "array", "boolean", "integer"'),
    });
    expect(error.message).toContain('response_schema.properties.score.type');
  });

  it('refuses a root that is not an object', () => {
    const error = thrownBy(() => assertAnswerSchema({ type: 'array', items: {} }, 'response_schema'));
    expect(error.fieldErrors).toEqual([
      { field: 'response_schema.type', message: 'must be "object": the answer is always a JSON object' },
    ]);
    expect(thrownBy(() => assertAnswerSchema([], 'schema')).fieldErrors[0]?.field).toBe('schema');
    expect(thrownBy(() => assertAnswerSchema(true, 'schema')).fieldErrors[0]?.field).toBe('schema');
  });

  it('refuses an unsupported dialect and an unresolvable $ref', () => {
    expect(
      thrownBy(() =>
        assertAnswerSchema({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }, 'schema'),
      ).fieldErrors[0]?.field,
    ).toBe('schema.$schema');
    const error = thrownBy(() =>
      assertAnswerSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }, 'schema'),
    );
    expect(error.fieldErrors[0]).toEqual({
      field: 'schema',
      message: expect.stringContaining('#/$defs/missing'),
    });
  });

  it('accepts the https spelling of draft-07', () => {
    expect(() =>
      assertAnswerSchema({ $schema: 'https://json-schema.org/draft-07/schema', type: 'object' }, 'schema'),
    ).not.toThrow();
  });
});

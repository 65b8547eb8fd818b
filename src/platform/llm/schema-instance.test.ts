import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type JsonSchemaObject, validateAgainstSchema } from './json-schema-validator.ts';
import { type InstanceContext, instanceFor } from './schema-instance.ts';

const support: InstanceContext = {
  question: 'I was charged twice on my last invoice, can you fix it?',
  passages: [
    'You are the support agent of Acme Cloud. Billing questions cover invoices, charges and refunds.',
    'Technical questions cover outages and errors. Refunds are processed within 5 business days.',
    'Our office is in Lyon.',
  ],
};

const empty: InstanceContext = { question: '', passages: [] };

/** The instance, after checking that ajv accepts it. */
function validInstance(schema: JsonSchemaObject, context: InstanceContext = support) {
  const value = instanceFor(schema, context);
  expect(validateAgainstSchema(schema, value)).toEqual({ valid: true });
  return value as Record<string, unknown>;
}

const classification = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    summary: { type: 'string', maxLength: 200 },
  },
  required: ['category', 'confidence', 'summary'],
  additionalProperties: false,
};

describe('instanceFor', () => {
  it('classifies from the context: the invoice question is about billing', () => {
    const value = validInstance(classification);
    expect(value).toEqual({
      category: 'billing',
      confidence: 0,
      summary: 'Billing questions cover invoices, charges and refunds.',
    });
    expect(instanceFor(classification, support)).toEqual(value);
  });

  it('picks the enum value the question names, else the default, else the first', () => {
    const schema = { type: 'object', properties: { area: { enum: ['billing', 'technical_support'] } } };
    const outage: InstanceContext = { question: 'Is there a technical outage?', passages: [] };
    expect(validInstance(schema, outage)).toEqual({ area: 'technical_support' });
    expect(validInstance(schema, empty)).toEqual({ area: 'billing' });
    const withDefault = { type: 'object', properties: { area: { enum: ['a', 'b'], default: 'b' } } };
    expect(validInstance(withDefault, empty)).toEqual({ area: 'b' });
  });

  it('fits strings to their length limits and formats', () => {
    const schema = {
      type: 'object',
      properties: {
        short: { type: 'string', maxLength: 10 },
        long: { type: 'string', minLength: 400 },
        at: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        email: { type: 'string', format: 'email' },
        link: { type: 'string', format: 'uri' },
        id: { type: 'string', format: 'uuid' },
        code: { type: 'string', pattern: '^[A-Z][a-z]+$' },
        fixed: { const: 'v1' },
      },
      required: ['short', 'long', 'at', 'day', 'email', 'link', 'id', 'code', 'fixed'],
    };
    const value = validInstance(schema);
    expect(value.short).toBe('Billing qu');
    expect(value.code).toBe('Billing');
    expect(value.fixed).toBe('v1');
    expect(validInstance(schema, empty).short).toBe('No answer ');
  });

  it('takes numbers from the context within bounds, else the smallest valid one', () => {
    const schema = {
      type: 'object',
      properties: {
        days: { type: 'integer', minimum: 1 },
        percent: { type: 'number', exclusiveMinimum: 0, maximum: 100, multipleOf: 5 },
        negative: { type: 'integer', maximum: -3 },
        between: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        even: { type: 'integer', minimum: 7, multipleOf: 2 },
        free: { type: 'number' },
      },
      required: ['days', 'percent', 'negative', 'between', 'even', 'free'],
    };
    expect(validInstance(schema)).toEqual({
      days: 5,
      percent: 5,
      negative: -3,
      between: 0.5,
      even: 8,
      free: 5,
    });
    expect(validInstance(schema, empty)).toMatchObject({ days: 1, percent: 5, free: 0 });
  });

  it('fills arrays within minItems, maxItems and uniqueItems', () => {
    const schema = {
      type: 'object',
      properties: {
        points: { type: 'array', items: { type: 'string' }, minItems: 3, uniqueItems: true },
        none: { type: 'array', items: { type: 'number' }, maxItems: 0 },
        flags: { type: 'array', items: { type: 'boolean' }, minItems: 2, maxItems: 2, uniqueItems: true },
        pair: {
          type: 'array',
          prefixItems: [{ type: 'integer' }, { const: 'x' }],
          items: false,
          minItems: 2,
        },
        tags: { type: 'array', items: { enum: ['red', 'green'] }, minItems: 2, uniqueItems: true },
        needed: { type: 'array', items: { type: 'integer' } },
        optional: { type: 'array', items: { type: 'integer' } },
      },
      required: ['points', 'none', 'flags', 'pair', 'tags', 'needed'],
    };
    const value = validInstance(schema);
    expect(value.points).toEqual([
      'Billing questions cover invoices, charges and refunds.',
      'I was charged twice on my last invoice, can you fix it?',
      'You are the support agent of Acme Cloud.',
    ]);
    expect(value.none).toEqual([]);
    expect(value.needed).toEqual([5]);
    expect(value.optional).toEqual([]);
    validInstance(schema, empty);
  });

  it('builds nested objects, respecting additionalProperties and minProperties', () => {
    const schema = {
      type: 'object',
      properties: {
        customer: {
          type: 'object',
          properties: { name: { type: 'string' }, vip: { type: 'boolean' } },
          required: ['name'],
          additionalProperties: false,
        },
        labels: { type: 'object', additionalProperties: { type: 'integer' }, minProperties: 2 },
        charged_twice: { type: 'boolean' },
      },
      required: ['customer', 'labels'],
      additionalProperties: false,
    };
    const value = validInstance(schema);
    expect(value.labels).toEqual({ property_1: 5, property_2: 5 });
    expect(value.charged_twice).toBe(true);
  });

  it('follows $ref to $defs and definitions, recursive ones included', () => {
    const modern = {
      type: 'object',
      properties: { owner: { $ref: '#/$defs/person' }, tree: { $ref: '#/$defs/node' } },
      required: ['owner', 'tree'],
      $defs: {
        person: {
          type: 'object',
          properties: { email: { type: 'string', format: 'email' } },
          required: ['email'],
        },
        node: {
          type: 'object',
          properties: {
            label: { type: 'string' },
            children: { type: 'array', items: { $ref: '#/$defs/node' } },
          },
          required: ['label'],
        },
      },
    };
    expect(validInstance(modern).owner).toEqual({ email: 'offline@example.com' });
    const draft07 = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        owner: { $ref: '#/definitions/person' },
        pair: { items: [{ type: 'string' }, { type: 'number' }] },
      },
      required: ['owner', 'pair'],
      definitions: {
        person: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      },
    };
    validInstance(draft07);
  });

  it('handles anyOf, oneOf, allOf and nullable types', () => {
    const schema = {
      type: 'object',
      properties: {
        maybe: { type: ['string', 'null'], maxLength: 5 },
        either: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 3 }] },
        // The first branch's value also fits the second: oneOf needs the one that fits alone.
        exactly: { oneOf: [{ type: 'number' }, { type: 'integer' }, { type: 'string' }] },
        shape: {
          oneOf: [
            {
              type: 'object',
              properties: { kind: { const: 'circle' }, radius: { type: 'number', minimum: 1 } },
              required: ['kind', 'radius'],
            },
            { type: 'object', properties: { kind: { const: 'square' } }, required: ['kind'] },
          ],
        },
        merged: {
          allOf: [
            { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
            { properties: { b: { type: 'integer', maximum: 2 } }, required: ['b'] },
            { properties: { a: { maxLength: 3 } } },
          ],
        },
        nothing: { type: 'null' },
      },
      required: ['maybe', 'either', 'exactly', 'shape', 'merged', 'nothing'],
    };
    const value = validInstance(schema);
    expect(value.maybe).toBe('Billi');
    expect(value.either).toBe(5);
    expect(typeof value.exactly).toBe('string');
    expect(value.shape).toEqual({ kind: 'circle', radius: 5 });
    expect(value.merged).toEqual({ a: 'Bil', b: 0 });
    expect(value.nothing).toBeNull();
  });

  it('uses defaults, and infers types from keywords when none is given', () => {
    const schema = {
      type: 'object',
      properties: {
        language: { type: 'string', default: 'en' },
        untyped: { properties: { n: { minimum: 2 } }, required: ['n'] },
        anything: {},
        list: { items: { type: 'string' } },
      },
      required: ['language', 'untyped', 'anything', 'list'],
    };
    expect(validInstance(schema)).toMatchObject({ language: 'en', untyped: { n: 5 } });
  });

  it('answers schemas as zod writes them', () => {
    const ticket = z.object({
      id: z.uuid(),
      reporter: z.email(),
      opened_at: z.iso.datetime(),
      kind: z.literal('ticket'),
      priority: z.enum(['low', 'high']).default('low'),
      estimate_hours: z.number().int().min(1).max(40),
      assignee: z.string().min(2).nullable(),
      notes: z.string().optional(),
      lines: z
        .array(
          z.object({
            sku: z
              .string()
              .regex(/^[A-Z]{3}$/)
              .optional(),
            quantity: z.number().positive(),
          }),
        )
        .min(1),
      labels: z.record(z.string(), z.boolean()),
      resolution: z.union([z.object({ fixed: z.literal(true) }), z.object({ reason: z.string() })]),
    });
    const value = validInstance(z.toJSONSchema(ticket) as JsonSchemaObject);
    expect(ticket.safeParse(value).success).toBe(true);
    expect(value).toMatchObject({ estimate_hours: 5, kind: 'ticket' });
  });

  it('leaves out an optional property it cannot fill', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        code: { $ref: '#/$defs/code' },
        never: false,
        parent: { $ref: '#' },
      },
      required: ['name'],
      $defs: { code: { type: 'string', pattern: '^Q+$' } },
    };
    const value = validInstance(schema);
    expect(Object.keys(value)).toEqual(['name', 'parent']);
  });

  it('ends, rather than overflowing the stack, for a schema that requires itself forever', () => {
    const schema = {
      type: 'object',
      properties: { next: { $ref: '#' } },
      required: ['next'],
    };
    expect(() => instanceFor(schema, support)).not.toThrow();
  });
});

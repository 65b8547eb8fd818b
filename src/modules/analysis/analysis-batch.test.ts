import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../../platform/llm/json-schema-validator.ts';
import { batchMessage, batchOutputs, batchSchema, isBatchable, splitUsage } from './analysis-batch.ts';

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  definitions: { level: { type: 'string', enum: ['low', 'high'] } },
  properties: { label: { type: 'string' }, level: { $ref: '#/definitions/level' } },
  required: ['label'],
};

describe('a batch’s answer schema', () => {
  it('asks for exactly one output per input, with the task’s definitions at its root', () => {
    const envelope = batchSchema(schema, 2);
    expect(envelope).toMatchObject({
      $schema: schema.$schema,
      definitions: schema.definitions,
      required: ['outputs'],
    });
    const valid = { outputs: [{ label: 'a', level: 'low' }, { label: 'b' }] };
    expect(validateAgainstSchema(envelope, valid)).toEqual({ valid: true });
    expect(validateAgainstSchema(envelope, { outputs: [{ label: 'a' }] }).valid).toBe(false);
    // An output that misses the task's schema still passes the envelope: it is judged on its own.
    expect(validateAgainstSchema(envelope, { outputs: [{ label: 'a' }, { level: 'none' }] })).toEqual({
      valid: true,
    });
  });

  it('validates each output against the task’s schema on its own', () => {
    const outputs = batchOutputs(
      { outputs: [{ label: 'a', level: 'high' }, { level: 'none' }, 'text'] },
      schema,
      4,
    );
    expect(outputs[0]).toEqual({ ok: true, value: { label: 'a', level: 'high' } });
    expect(outputs[1]).toMatchObject({ ok: false });
    expect((outputs[1] as { problems: string[] }).problems.join(' ')).toMatch(/label/);
    expect(outputs[2]).toEqual({ ok: false, problems: ['(root): must be object'] });
    expect(outputs[3]).toEqual({ ok: false, problems: ['(root): must be object'] });
  });

  it('cannot nest a schema that refers to its own root', () => {
    expect(isBatchable(schema)).toBe(true);
    expect(isBatchable({ type: 'object', properties: { child: { $ref: '#' } } })).toBe(false);
    expect(isBatchable({ type: 'object', properties: { copy: { $ref: '#/properties/label' } } })).toBe(false);
  });
});

it('numbers the inputs of a batch after the instructions', () => {
  expect(batchMessage('Classify.', ['one', { text: 'two' }])).toBe(
    'Classify.\n\nApply the task to each of these 2 inputs separately. Answer with `outputs`: one output per ' +
      'input, in the same order, each valid against the task’s schema.\n\nInput 1:\none\n\nInput 2:\n{\n  "text": "two"\n}',
  );
});

it('splits a turn’s usage over its items without losing a token', () => {
  expect(splitUsage(10, 3)).toEqual([4, 3, 3]);
  expect(splitUsage(2, 4)).toEqual([1, 1, 0, 0]);
  expect(splitUsage(7, 1)).toEqual([7]);
});

import type { JSONSchema7 } from 'ai';
import {
  type ObjectValidation,
  validateObjectAgainstSchema,
} from '../../platform/llm/json-schema-validator.ts';
import { taskMessage } from '../definitions/index.ts';
import type { ItemInput } from './analysis-schemas.ts';

/** A `$ref` to the root or into its properties means something else once the schema is nested. */
const rootReference = /"\$ref":"#(?!\/(?:\$defs|definitions)\/)/;

/** Whether a task's schema can be an item of a batch's answer (it does not refer to its own root). */
export const isBatchable = (schema: Record<string, unknown>) => !rootReference.test(JSON.stringify(schema));

/**
 * The answer a batch asks for: `{outputs: [...]}` with one output per input, in order. Each output
 * is shown the task's schema but accepted as any object here, so that one bad output does not sink
 * the batch: every output is then validated on its own (`batchOutputs`). The task schema's
 * dialect and definitions move to the root, where its `$ref`s find them.
 */
export function batchSchema(schema: Record<string, unknown>, size: number): JSONSchema7 {
  const { $schema, definitions, $defs, ...item } = schema;
  return {
    ...($schema !== undefined ? { $schema } : {}),
    ...(definitions !== undefined ? { definitions } : {}),
    ...($defs !== undefined ? { $defs } : {}),
    type: 'object',
    properties: {
      outputs: {
        type: 'array',
        minItems: size,
        maxItems: size,
        items: { anyOf: [item, { type: 'object' }] },
        description: 'One output per input, in the order of the inputs',
      },
    },
    required: ['outputs'],
    additionalProperties: false,
  } as JSONSchema7;
}

const inputText = (input: ItemInput) => (typeof input === 'string' ? input : JSON.stringify(input, null, 2));

/** The user message of a batch: the task's instructions, then the inputs numbered in order. */
export function batchMessage(instructions: string, inputs: ItemInput[]): string {
  const numbered = inputs.map((input, index) => `Input ${index + 1}:\n${inputText(input)}`);
  return [
    ...(instructions ? [instructions] : []),
    `Apply the task to each of these ${inputs.length} inputs separately. Answer with \`outputs\`: ` +
      'one output per input, in the same order, each valid against the task’s schema.',
    ...numbered,
  ].join('\n\n');
}

/** The user message of one item's turn, as an assignment's execution words it. */
export const itemMessage = (instructions: string, input: ItemInput) => taskMessage(instructions, input);

export type ItemOutput = ObjectValidation;

/** Each output of a batch's answer validated on its own against the task's schema. */
export function batchOutputs(answer: Record<string, unknown>, schema: object, size: number): ItemOutput[] {
  const outputs = Array.isArray(answer.outputs) ? answer.outputs : [];
  return Array.from({ length: size }, (_, index): ItemOutput => {
    return validateObjectAgainstSchema(schema, outputs[index]);
  });
}

/** A turn's usage split over its items, the remainder to the first ones, so that sums stay exact. */
export function splitUsage(total: number, parts: number): number[] {
  const share = Math.floor(total / parts);
  const remainder = total - share * parts;
  return Array.from({ length: parts }, (_, index) => share + (index < remainder ? 1 : 0));
}

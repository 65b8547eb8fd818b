import type { JsonSchemaObject } from './json-schema-validator.ts';

/** How far from the lower bound to look for a valid multiple before giving up. */
const MAX_STEPS = 1000;

const numberOrUndefined = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** Numbers written in a text; the parts of dates, versions and identifiers are not numbers. */
export const numbersIn = (text: string): number[] =>
  (text.match(/(?<![\p{L}\p{N}_.-])-?\d+(?:\.\d+)?(?![\p{L}\p{N}_-]|\.\d)/gu) ?? []).map(Number);

/** Whether a number meets the schema's type, bounds and multipleOf, as ajv checks them. */
export function numberFits(schema: JsonSchemaObject, integer: boolean, value: number): boolean {
  const minimum = numberOrUndefined(schema.minimum);
  const maximum = numberOrUndefined(schema.maximum);
  const exclusiveMinimum = numberOrUndefined(schema.exclusiveMinimum);
  const exclusiveMaximum = numberOrUndefined(schema.exclusiveMaximum);
  const multipleOf = numberOrUndefined(schema.multipleOf);
  return (
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (minimum === undefined || value >= minimum) &&
    (maximum === undefined || value <= maximum) &&
    (exclusiveMinimum === undefined || value > exclusiveMinimum) &&
    (exclusiveMaximum === undefined || value < exclusiveMaximum) &&
    (multipleOf === undefined || Number.isInteger(value / multipleOf))
  );
}

/**
 * Valid numbers from the smallest up (from the largest down when only a negative maximum bounds
 * them), `count` at most; the midpoint when the bounds leave no whole step between them.
 */
export function smallestNumbers(schema: JsonSchemaObject, integer: boolean, count: number): number[] {
  const fits = (value: number) => numberFits(schema, integer, value);
  const lower = [schema.minimum, schema.exclusiveMinimum].filter((bound) => typeof bound === 'number');
  const upper = [schema.maximum, schema.exclusiveMaximum].filter((bound) => typeof bound === 'number');
  const lowest = lower.length > 0 ? Math.max(...lower) : undefined;
  const highest = upper.length > 0 ? Math.min(...upper) : undefined;
  const downward = lowest === undefined && highest !== undefined && highest < 0;
  const origin = lowest ?? (downward ? (highest as number) : 0);
  const step = numberOrUndefined(schema.multipleOf) ?? 1;
  const found = new Set<number>();
  if (fits(origin)) found.add(origin + 0);
  const first = downward ? Math.floor(origin / step) : Math.ceil(origin / step);
  for (let index = 0; index < MAX_STEPS && found.size < count; index++) {
    // `+ 0` turns -0 into 0.
    const value = (first + (downward ? -index : index)) * step + 0;
    if (!downward && highest !== undefined && value > highest) break;
    if (fits(value)) found.add(value);
  }
  if (found.size === 0 && lowest !== undefined && highest !== undefined && fits((lowest + highest) / 2))
    found.add((lowest + highest) / 2);
  return [...found].slice(0, count);
}

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { ValidationError } from '../http/errors.ts';
import { canonicalJson } from '../text/canonical-json.ts';

/** A JSON Schema as parsed JSON: its keywords are read loosely. */
export type JsonSchemaObject = Record<string, unknown>;

export type SchemaValidation = { valid: true } | { valid: false; problems: string[] };

/** Compiled validators remembered per process; the least recently used is forgotten first when full. */
export const VALIDATOR_CACHE_SIZE = 500;

// ajv-formats is CommonJS: under Node's ESM its default import is the module object.
const addFormats = formatsModule.default;

type Dialect = 'draft-07' | '2020-12';

const dialectUris: Record<Dialect, RegExp> = {
  'draft-07': /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/,
  '2020-12': /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/,
};

/** strict: false so that schemas written for other tools (unknown keywords, formats) still compile. */
const ajvOptions = { strict: false, allErrors: true, logger: false } as const;

const instances = new Map<Dialect, Ajv | Ajv2020>();

function ajvFor(dialect: Dialect): Ajv | Ajv2020 {
  let ajv = instances.get(dialect);
  if (!ajv) {
    ajv = dialect === 'draft-07' ? new Ajv(ajvOptions) : new Ajv2020(ajvOptions);
    addFormats(ajv);
    instances.set(dialect, ajv);
  }
  return ajv;
}

/** The dialect a schema declares in `$schema`; 2020-12 when it declares none. */
function dialectOf(schema: JsonSchemaObject): Dialect | undefined {
  const declared = schema.$schema;
  if (declared === undefined) return '2020-12';
  return (Object.keys(dialectUris) as Dialect[]).find(
    (dialect) => typeof declared === 'string' && dialectUris[dialect].test(declared),
  );
}

function compile(schema: JsonSchemaObject): ValidateFunction {
  const dialect = dialectOf(schema);
  if (!dialect) throw new Error(`Unsupported $schema ${JSON.stringify(schema.$schema)}`);
  // The dialect picked the ajv class, whose default meta-schema applies: any spelling of the URI works.
  const { $schema: _declared, ...body } = schema;
  const ajv = ajvFor(dialect);
  try {
    return ajv.compile(body);
  } finally {
    // The validator keeps what it needs; ajv forgetting the schema keeps memory bounded by our
    // cache and lets two different schemas share an $id.
    ajv.removeSchema(body);
  }
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: JsonSchemaObject): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = validators.get(key);
  if (validate) {
    // Most recently used last: the first key is the one to forget.
    validators.delete(key);
  } else {
    validate = compile(schema);
    if (validators.size >= VALIDATOR_CACHE_SIZE) validators.delete(validators.keys().next().value as string);
  }
  validators.set(key, validate);
  return validate;
}

/** What an ajv error says, with the values or property names that ajv keeps in its params. */
function messageOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'additionalProperties':
      return `must NOT have additional property '${String(params.additionalProperty)}'`;
    case 'unevaluatedProperties':
      return `must NOT have unevaluated property '${String(params.unevaluatedProperty)}'`;
    default:
      return error.message ?? 'is not valid';
  }
}

/** Problems read like `/items/0/score: must be <= 10`. */
const problemOf = (error: ErrorObject) => `${error.instancePath || '(root)'}: ${messageOf(error)}`;

/**
 * Validates a value (a model's parsed answer) against a draft-07 or 2020-12 schema. Throws when the
 * schema does not compile, which `assertAnswerSchema` rules out when a schema is written.
 */
export function validateAgainstSchema(schema: object, value: unknown): SchemaValidation {
  const validate = validatorFor(schema as JsonSchemaObject);
  if (validate(value)) return { valid: true };
  return { valid: false, problems: [...new Set((validate.errors ?? []).map(problemOf))] };
}

/** One way a value fails a schema: the path of the offending value, and why. */
export interface SchemaViolation {
  /** Property names and array indexes from the root; a missing or unexpected property's own name last. */
  path: string[];
  message: string;
}

const pathOf = (error: ErrorObject): string[] => {
  const params = error.params as Record<string, unknown>;
  const own = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  const segments = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  return typeof own === 'string' ? [...segments, own] : segments;
};

/**
 * The violations of a value against a draft-07 or 2020-12 schema, for a 422 naming each path
 * (none when it is valid). Throws when the schema does not compile, as `validateAgainstSchema` does.
 */
export function schemaViolations(schema: object, value: unknown): SchemaViolation[] {
  const validate = validatorFor(schema as JsonSchemaObject);
  if (validate(value)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? []).flatMap((error) => {
    const violation = { path: pathOf(error), message: messageOf(error) };
    const key = JSON.stringify(violation);
    if (seen.has(key)) return [];
    seen.add(key);
    return [violation];
  });
}

/** A model's answer checked as a JSON object valid against the schema: the object, or why not. */
export type ObjectValidation =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problems: string[] };

export function validateObjectAgainstSchema(schema: object, value: unknown): ObjectValidation {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, problems: ['(root): must be object'] };
  const validation = validateAgainstSchema(schema, value);
  return validation.valid
    ? { ok: true, value: value as Record<string, unknown> }
    : { ok: false, problems: validation.problems };
}

const fieldOf = (base: string, pointer: string) =>
  [
    base,
    ...pointer
      .split('/')
      .filter(Boolean)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~')),
  ].join('.');

function invalid(field: string, message: string): never {
  throw new ValidationError(`The response schema is not valid: ${field} ${message}`, [{ field, message }]);
}

/**
 * Checks a response schema when it is written, so that a bad one is a 422 naming the schema's
 * faulty path (`field` is where the schema sits in the request body) rather than a failed turn.
 * The root must be an object schema: an answer is always a JSON object, as providers' JSON modes require.
 */
export function assertAnswerSchema(schema: unknown, field: string): asserts schema is JsonSchemaObject {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema))
    invalid(field, 'must be a JSON Schema object');
  const candidate = schema as JsonSchemaObject;
  const dialect = dialectOf(candidate);
  if (!dialect)
    invalid(
      fieldOf(field, '/$schema'),
      'must be the draft-07 or 2020-12 meta-schema URI (or be left out for 2020-12)',
    );
  if (candidate.type !== 'object')
    invalid(fieldOf(field, '/type'), 'must be "object": the answer is always a JSON object');
  const { $schema: _declared, ...body } = candidate;
  const ajv = ajvFor(dialect);
  if (!ajv.validateSchema(body)) {
    const firstPerPath = new Map<string, string>();
    for (const error of ajv.errors ?? [])
      if (!firstPerPath.has(error.instancePath)) firstPerPath.set(error.instancePath, messageOf(error));
    const fieldErrors = [...firstPerPath].map(([pointer, message]) => ({
      field: fieldOf(field, pointer),
      message,
    }));
    const first = fieldErrors[0] ?? { field, message: 'is not valid' };
    throw new ValidationError(
      `The response schema is not valid: ${first.field} ${first.message}`,
      fieldErrors,
    );
  }
  try {
    validatorFor(candidate);
  } catch (error) {
    // Unresolvable $ref, a bad regular expression: what meta-schema validation cannot see.
    invalid(field, error instanceof Error ? error.message : String(error));
  }
}

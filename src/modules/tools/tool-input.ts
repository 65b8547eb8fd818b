import { ValidationError } from '../../platform/http/errors.ts';
import {
  assertAnswerSchema,
  type JsonSchemaObject,
  type SchemaViolation,
  schemaViolations,
} from '../../platform/llm/json-schema-validator.ts';
import { ToolInputError } from '../execution/index.ts';

/** The schema of a tool that declares none: an object with any properties. */
export const EMPTY_INPUT_SCHEMA: JsonSchemaObject = { type: 'object', properties: {} };
/** The model reads every tool's schema on every turn: a larger one costs more than it helps. */
const MAX_INPUT_SCHEMA_BYTES = 64 * 1024;

function invalid(field: string, message: string): never {
  throw new ValidationError(`The input schema is not valid: ${field} ${message}`, [{ field, message }]);
}

/**
 * Checks a tool's input schema when it is written (422 naming its faulty path): a JSON Schema
 * (draft-07 or 2020-12, checked against ajv's meta-schema) whose root is an object schema, since a
 * tool's arguments are always a JSON object.
 */
export function assertInputSchema(schema: unknown, field: string): asserts schema is JsonSchemaObject {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
    invalid(field, 'must be a JSON Schema object');
  }
  if (Buffer.byteLength(JSON.stringify(schema)) > MAX_INPUT_SCHEMA_BYTES) {
    invalid(field, `must be at most ${MAX_INPUT_SCHEMA_BYTES / 1024} KB once serialized`);
  }
  if ((schema as JsonSchemaObject).type !== 'object') {
    invalid(`${field}.type`, 'must be "object": a tool’s arguments are a JSON object');
  }
  try {
    assertAnswerSchema(schema, field);
  } catch (error) {
    // The same checks as a response schema's, named for what this schema is.
    if (!(error instanceof ValidationError)) throw error;
    const [first] = error.fieldErrors;
    throw new ValidationError(
      `The input schema is not valid: ${first?.field ?? field} ${first?.message ?? 'is not valid'}`,
      error.fieldErrors,
    );
  }
}

/** The properties an input schema declares at its root. */
export function declaredArguments(schema: JsonSchemaObject): Set<string> {
  const properties = schema.properties;
  return new Set(properties && typeof properties === 'object' ? Object.keys(properties) : []);
}

/** The violations of arguments against a stored schema; none when the schema cannot be compiled (its server decides). */
function violationsOf(schema: JsonSchemaObject, args: unknown): SchemaViolation[] {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return [{ path: [], message: 'must be a JSON object' }];
  }
  try {
    return schemaViolations(schema, args);
  } catch {
    // An MCP server's own schema that ajv cannot compile: the server validates its arguments itself.
    return [];
  }
}

/** Arguments of a model's tool call: a ToolInputError the model reads when they do not fit the schema. */
export function assertModelArguments(
  schema: JsonSchemaObject,
  args: unknown,
): asserts args is Record<string, unknown> {
  const violations = violationsOf(schema, args);
  if (violations.length === 0) return;
  const problems = violations.map(({ path, message }) => `${path.join('.') || 'input'}: ${message}`);
  throw new ToolInputError(`Invalid input: ${problems.join('; ')}`);
}

/** Arguments sent to the test endpoint: a 422 naming each offending `arguments.<path>`. */
export function assertRequestArguments(schema: JsonSchemaObject, args: Record<string, unknown>): void {
  const violations = violationsOf(schema, args);
  if (violations.length === 0) return;
  const fieldErrors = violations.map(({ path, message }) => ({
    field: ['arguments', ...path].join('.'),
    message,
  }));
  const [first] = fieldErrors;
  throw new ValidationError(
    `The arguments do not match the tool’s input schema: ${first?.field} ${first?.message}`,
    fieldErrors,
  );
}

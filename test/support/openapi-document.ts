import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under Node's ESM its default import is the module object.
const addFormats = formatsModule.default;

/** The parts of an OpenAPI 3.1 document these checks read; the document is parsed JSON. */
type JsonSchema = Record<string, any>;
export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, any>>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface DocumentedOperation {
  /** `POST /api/v1/agents`: how a failure names the operation. */
  label: string;
  operation: Record<string, any>;
}

export const operationsOf = (document: OpenApiDocument): DocumentedOperation[] =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      label: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

export interface JsonPayload {
  /** `request body`, `201 response`. */
  name: string;
  media: { schema?: JsonSchema; example?: unknown; examples?: Record<string, { value?: unknown }> };
}

/** The JSON an operation exchanges: its request body and its 2xx responses. */
export function jsonPayloadsOf(operation: Record<string, any>): JsonPayload[] {
  const payloads: JsonPayload[] = [];
  const body = operation.requestBody?.content?.['application/json'];
  if (body) payloads.push({ name: 'request body', media: body });
  for (const [status, response] of Object.entries<Record<string, any>>(operation.responses ?? {})) {
    const media = response.content?.['application/json'];
    if (status.startsWith('2') && media) payloads.push({ name: `${status} response`, media });
  }
  return payloads;
}

export interface PlacedExample {
  /** Where the example was found: `media type`, `schema` or the component's `$ref`. */
  where: string;
  schema: JsonSchema;
  example: unknown;
}

/** `example` and the 2020-12 `examples` array of a schema. */
const examplesOfSchema = (schema: JsonSchema): unknown[] => [
  ...('example' in schema ? [schema.example] : []),
  ...(Array.isArray(schema.examples) ? schema.examples : []),
];

/** A payload's examples, each with the schema it illustrates: on the media type, the schema or its component. */
export function examplesOf(payload: JsonPayload, document: OpenApiDocument): PlacedExample[] {
  const { media } = payload;
  const examples: PlacedExample[] = [];
  const mediaExamples = [
    ...('example' in media ? [media.example] : []),
    ...Object.values(media.examples ?? {}).map((example) => example.value),
  ];
  const schema = media.schema ?? {};
  for (const example of mediaExamples) examples.push({ where: 'media type', schema, example });
  for (const example of examplesOfSchema(schema)) examples.push({ where: 'schema', schema, example });
  const reference: unknown = schema.$ref;
  if (typeof reference === 'string') {
    const component = document.components.schemas[reference.replace('#/components/schemas/', '')];
    for (const example of component ? examplesOfSchema(component) : [])
      examples.push({ where: reference, schema: component as JsonSchema, example });
  }
  return examples;
}

const childSchemaKeys = ['items', 'additionalProperties', 'not'] as const;
const schemaListKeys = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;

/** Every example anywhere inside a schema (properties, items, unions), with the subschema it belongs to. */
export function* examplesWithin(schema: JsonSchema, path: string): Generator<PlacedExample> {
  for (const example of examplesOfSchema(schema)) yield { where: path, schema, example };
  for (const [name, child] of Object.entries<JsonSchema>(schema.properties ?? {}))
    yield* examplesWithin(child, `${path}.${name}`);
  for (const key of childSchemaKeys)
    if (schema[key] && typeof schema[key] === 'object') yield* examplesWithin(schema[key], `${path}.${key}`);
  for (const key of schemaListKeys)
    for (const [index, child] of (schema[key] ?? []).entries())
      yield* examplesWithin(child, `${path}.${key}[${index}]`);
}

/**
 * Validates examples against schemas of the document with ajv (JSON Schema 2020-12, as OpenAPI 3.1
 * uses it, with formats). Each schema is compiled beside the document's components, so that
 * `#/components/schemas/...` references resolve.
 */
export function createExampleValidator(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  const compiled = new Map<JsonSchema, ValidateFunction>();
  return (schema: JsonSchema, example: unknown): string | undefined => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: document.components });
      compiled.set(schema, validate);
    }
    return validate(example) ? undefined : ajv.errorsText(validate.errors);
  };
}

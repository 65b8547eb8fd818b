import type { JsonSchemaObject } from './json-schema-validator.ts';

export const isSchemaObject = (value: unknown): value is JsonSchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Boolean schemas read as `{}`: `false` allows no value, and a best effort beats none. */
const asObject = (schema: unknown): JsonSchemaObject => (isSchemaObject(schema) ? schema : {});

/** A self-referencing chain of $ref or allOf stops here rather than looping. */
const MAX_RESOLUTION_DEPTH = 32;

const lowerBounds = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const upperBounds = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);

const typesOf = (type: unknown): unknown[] => (Array.isArray(type) ? type : [type]);

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The local schema a `$ref` points at (`#`, `#/$defs/…`, `#/definitions/…`); `{}` when it points elsewhere. */
function target(root: JsonSchemaObject, reference: string): unknown {
  if (!reference.startsWith('#')) return {};
  let node: unknown = root;
  for (const segment of reference.slice(1).split('/').filter(Boolean)) {
    const key = decodedSegment(segment).replaceAll('~1', '/').replaceAll('~0', '~');
    node =
      (isSchemaObject(node) || Array.isArray(node)) && Object.hasOwn(node, key)
        ? (node as Record<string, unknown>)[key]
        : undefined;
  }
  return node ?? {};
}

/** One schema asking for everything its parts ask: the tighter bound, both sets of properties. */
function intersected(schemas: JsonSchemaObject[]): JsonSchemaObject {
  const result: JsonSchemaObject = {};
  for (const schema of schemas) {
    for (const [keyword, value] of Object.entries(schema)) {
      const existing = result[keyword];
      if (existing === undefined) result[keyword] = value;
      else if (keyword === 'properties' && isSchemaObject(existing) && isSchemaObject(value)) {
        const properties = { ...existing };
        for (const [name, property] of Object.entries(value))
          properties[name] = Object.hasOwn(existing, name) ? { allOf: [existing[name], property] } : property;
        result.properties = properties;
      } else if (keyword === 'required' && Array.isArray(existing) && Array.isArray(value)) {
        result.required = [...new Set([...existing, ...value])];
      } else if (typeof existing === 'number' && typeof value === 'number') {
        if (lowerBounds.has(keyword)) result[keyword] = Math.max(existing, value);
        if (upperBounds.has(keyword)) result[keyword] = Math.min(existing, value);
      } else if (keyword === 'enum' && Array.isArray(existing) && Array.isArray(value)) {
        const allowed = new Set(value.map((item) => JSON.stringify(item)));
        result.enum = existing.filter((item) => allowed.has(JSON.stringify(item)));
      } else if (keyword === 'type') {
        const common = typesOf(existing).filter((type) => typesOf(value).includes(type));
        if (common.length > 0) result.type = common;
      }
    }
  }
  return result;
}

/**
 * The schema with its `$ref` followed and its `allOf` folded in, so that the keywords which decide
 * a value (type, properties, bounds) sit on one object. Sibling keywords of `$ref` apply too.
 */
export function resolvedSchema(
  schema: JsonSchemaObject,
  root: JsonSchemaObject,
  depth = 0,
): JsonSchemaObject {
  if (depth > MAX_RESOLUTION_DEPTH) return {};
  const { $ref: reference, allOf, ...rest } = schema;
  const parts = [rest];
  if (typeof reference === 'string') parts.push(asObject(target(root, reference)));
  if (Array.isArray(allOf)) parts.push(...allOf.map(asObject));
  if (parts.length === 1) return rest;
  return intersected(parts.map((part) => (part === rest ? rest : resolvedSchema(part, root, depth + 1))));
}

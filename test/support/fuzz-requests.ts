import type { DocumentedOperation, OpenApiDocument } from './openapi-document.ts';

/** One hostile request, derived from an operation of the OpenAPI document. */
export interface FuzzRequest {
  /** `POST /api/v1/agents body name: NUL`: how a failure names the request. */
  label: string;
  method: string;
  /** Path and query string, encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** What turns an operation's examples into a request on real resources. */
export interface FuzzTargets {
  /**
   * A real id for a path parameter, by the path segment before it (`agents` -> an agent's id), or
   * by the two before it where the last is ambiguous (`analysis/runs` -> an analysis run's id).
   */
  pathValues: Record<string, string>;
  /**
   * The ids PUT, PATCH and DELETE requests name instead, where a hostile but valid change (a
   * provider replaced without its key) would break the resources that turns run on.
   */
  changedPathValues: Record<string, string>;
  /** Example values in request bodies replaced by real ones (example ids -> ids of the test's resources). */
  replacements: Map<unknown, unknown>;
  /** Body properties set to a value wherever they appear (`base_url` -> the stub's address). */
  properties: Record<string, unknown>;
}

/** A hostile JSON value: a value JSON.stringify writes, or JSON text it cannot produce. */
type HostileJson = { name: string; value: unknown } | { name: string; json: string };

const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** What each body field receives, one at a time, the rest of the body staying valid. */
export const hostileJsonValues: HostileJson[] = [
  { name: 'NUL', value: 'before\u0000after' },
  { name: 'lone surrogate', value: 'before\ud800after' },
  { name: '100k characters', value: 'x'.repeat(100_000) },
  { name: 'SQL injection', value: "' OR '1'='1'; DROP TABLE agents; --" },
  { name: 'path traversal', value: '../../../../etc/passwd' },
  { name: 'invalid uuid', value: 'not-a-uuid' },
  { name: 'unknown uuid', value: '00000000-0000-4000-8000-000000000000' },
  { name: 'integer', value: 42 },
  { name: 'negative', value: -1 },
  { name: 'fraction', value: 0.5 },
  { name: 'beyond 64 bits', value: 2 ** 64 },
  { name: 'huge', value: 1e308 },
  { name: 'infinite', json: '1e400' },
  { name: 'boolean', value: true },
  { name: 'null', value: null },
  { name: 'empty object', value: {} },
  { name: 'empty array', value: [] },
  { name: '10,000 levels deep', json: nestedJson(10_000) },
  { name: '__proto__ key', json: '{"__proto__":{"polluted":true}}' },
  { name: 'constructor.prototype key', json: '{"constructor":{"prototype":{"polluted":true}}}' },
];

/** Encoded values of path parameters, in place of a real id. */
export const hostilePathValues: [string, string][] = [
  ['NUL', '%00'],
  ['lone surrogate (CESU-8 bytes)', '%ED%A0%80'],
  ['bad percent-encoding', '%zz'],
  ['past the router limit', 'a'.repeat(101)],
  ['100k characters', 'x'.repeat(100_000)],
  ['invalid uuid', 'not-a-uuid'],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['unknown uuid', '00000000-0000-4000-8000-000000000000'],
  ['negative', '-1'],
  ['beyond 64 bits', '18446744073709551616'],
  ['NaN', 'NaN'],
  ['SQL injection', encodeURIComponent("' OR '1'='1'--")],
  ['path traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
  ['emoji', '%F0%9F%98%80'],
];

/** Encoded values of query parameters, each alone on an otherwise valid request. */
const hostileQueryValues: [string, string][] = [
  ['NUL', '%00'],
  ['lone surrogate (CESU-8 bytes)', '%ED%A0%80'],
  ['bad percent-encoding', '%zz'],
  ['100k characters', 'x'.repeat(100_000)],
  ['empty', ''],
  ['negative', '-1'],
  ['NaN', 'NaN'],
  ['infinite', '1e400'],
  ['beyond 64 bits', '18446744073709551616'],
  ['fraction', '1.5'],
  ['invalid uuid', 'not-a-uuid'],
  ['SQL injection', encodeURIComponent("' OR '1'='1'--")],
  ['path traversal', encodeURIComponent('../../../etc/passwd')],
];

/** Values of header parameters (If-Match); a header cannot carry NUL or line breaks. */
const hostileHeaderValues: [string, string][] = [
  ['not a number', 'abc'],
  ['negative', '-1'],
  ['beyond 64 bits', '18446744073709551616'],
  ['fraction', '1.5'],
  ['quoted', '"1"'],
  ['4k characters', 'x'.repeat(4_000)],
];

const MARKER = '\u2063fuzz-marker\u2063';

/** JSON text of `body` with the value at `path` replaced by the hostile value. */
function withHostileValue(body: unknown, path: (string | number)[], hostile: HostileJson): string {
  const copy = structuredClone(body);
  let container = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) container = container[segment] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if ('value' in hostile) {
    container[last] = hostile.value;
    return JSON.stringify(copy);
  }
  container[last] = MARKER;
  return JSON.stringify(copy).replace(JSON.stringify(MARKER), hostile.json);
}

type JsonSchema = Record<string, any>;

function resolved(schema: JsonSchema | undefined, document: OpenApiDocument): JsonSchema {
  const reference = schema?.$ref;
  if (typeof reference !== 'string') return schema ?? {};
  return document.components.schemas[reference.replace('#/components/schemas/', '')] ?? {};
}

/** The properties a body schema declares at its top level (of its items, for an array body). */
function declaredPaths(schema: JsonSchema, document: OpenApiDocument): (string | number)[][] {
  const body = resolved(schema, document);
  if (body.type === 'array') return declaredPaths(body.items, document).map((path) => [0, ...path]);
  const variants = [body, ...(body.anyOf ?? []), ...(body.oneOf ?? [])].map((variant) =>
    resolved(variant, document),
  );
  return [...new Set(variants.flatMap((variant) => Object.keys(variant.properties ?? {})))].map((key) => [
    key,
  ]);
}

/** Every field of an example body, three levels deep (the first item of each array). */
function examplePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (prefix.length >= 3 || value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.slice(0, 1).map((item) => [0, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...examplePaths(child, [...prefix, key])]);
}

/** The example body with the test's real resources in place of the example's. */
function realBody(example: unknown, targets: FuzzTargets): unknown {
  if (targets.replacements.has(example)) return targets.replacements.get(example);
  if (Array.isArray(example)) return example.map((item) => realBody(item, targets));
  if (example === null || typeof example !== 'object') return example;
  return Object.fromEntries(
    Object.entries(example).map(([key, value]) => [
      key,
      key in targets.properties ? targets.properties[key] : realBody(value, targets),
    ]),
  );
}

function exampleOf(media: Record<string, any>, document: OpenApiDocument): unknown {
  const schema = resolved(media.schema, document);
  return media.example ?? schema.example ?? schema.examples?.[0] ?? media.schema?.example;
}

/** Whole bodies that are not what the operation takes, with the content type they are sent as. */
function hostileBodies(body: unknown): [string, string | undefined, string | Uint8Array][] {
  const valid = JSON.stringify(body);
  const asObject = (extra: string) =>
    valid.startsWith('{') ? `{${extra},${valid.slice(1)}` : `{${extra},"items":${valid}}`;
  return [
    ['not JSON', 'application/json', '{"name": '],
    ['empty', 'application/json', ''],
    ['JSON null', 'application/json', 'null'],
    ['JSON array', 'application/json', '[]'],
    ['JSON string', 'application/json', '"text"'],
    ['unknown field', 'application/json', asObject('"unexpected_field":1')],
    ['__proto__ key', 'application/json', asObject('"__proto__":{"polluted":true}')],
    ['constructor.prototype key', 'application/json', asObject('"constructor":{"prototype":{"polluted":1}}')],
    ['10,000 levels deep', 'application/json', nestedJson(10_000)],
    ['past the size limit', 'application/json', JSON.stringify('x'.repeat(1_100_000))],
    ['text/plain', 'text/plain', valid],
    ['form-urlencoded', 'application/x-www-form-urlencoded', 'name=x&role=owner'],
    ['XML', 'application/xml', '<agent><name>x</name></agent>'],
    ['no content type', undefined, new TextEncoder().encode(valid)],
  ];
}

/** The hostile requests of one operation: each parameter and body field attacked in turn. */
export function fuzzRequestsFor(
  { label, operation }: DocumentedOperation,
  document: OpenApiDocument,
  targets: FuzzTargets,
): FuzzRequest[] {
  const [method = 'GET', template = '/'] = label.split(' ');
  const parameters: Record<string, any>[] = operation.parameters ?? [];
  const pathWith = (name?: string, value?: string) =>
    template.replace(/\{(\w+)\}/g, (_match, parameter: string, offset: number) => {
      if (parameter === name) return value as string;
      const segments = template.slice(0, offset - 1).split('/');
      const segment = segments.at(-1) ?? '';
      // Two segments name a resource that shares its last one with another (`analysis/runs`).
      const qualified = segments.slice(-2).join('/');
      const changes = ['PUT', 'PATCH', 'DELETE'].includes(method) ? targets.changedPathValues : {};
      return changes[segment] ?? targets.pathValues[qualified] ?? targets.pathValues[segment] ?? 'unknown';
    });
  const media = operation.requestBody?.content?.['application/json'];
  const body = media ? realBody(exampleOf(media, document), targets) : undefined;
  const validBody = body === undefined ? undefined : JSON.stringify(body);
  const request = (what: string, url: string, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
    label: `${label} ${what}`,
    method,
    url,
    headers: validBody === undefined ? {} : { 'content-type': 'application/json' },
    ...(validBody === undefined ? {} : { body: validBody }),
    ...extra,
  });
  // Every operation, whatever it declares: query parameters it does not know.
  const requests: FuzzRequest[] = [
    request('undeclared query parameter', `${pathWith()}?unexpected_parameter=1`),
    request('undeclared query parameter: NUL', `${pathWith()}?unexpected_parameter=%00`),
    request('undeclared query parameter: bad percent-encoding', `${pathWith()}?%zz=%zz`),
  ];
  for (const parameter of parameters) {
    const name: string = parameter.name;
    if (parameter.in === 'path')
      for (const [valueName, value] of hostilePathValues)
        requests.push(request(`path ${name}: ${valueName}`, pathWith(name, value)));
    if (parameter.in === 'query') {
      const query: [string, string][] = [
        ...hostileQueryValues.map(([valueName, value]): [string, string] => [valueName, `${name}=${value}`]),
        ['repeated', `${name}=1&${name}=2`],
        ['bracketed', `${name}[key]=1`],
      ];
      for (const [valueName, text] of query)
        requests.push(request(`query ${name}: ${valueName}`, `${pathWith()}?${text}`));
    }
    if (parameter.in === 'header')
      for (const [valueName, value] of hostileHeaderValues)
        requests.push(
          request(`header ${name}: ${valueName}`, pathWith(), {
            headers: { ...(validBody ? { 'content-type': 'application/json' } : {}), [name]: value },
          }),
        );
  }
  if (media) {
    const fields = new Map<string, (string | number)[]>();
    for (const path of [...examplePaths(body), ...declaredPaths(media.schema, document)])
      fields.set(path.join('.'), path);
    for (const [field, path] of fields)
      for (const hostile of hostileJsonValues)
        requests.push(
          request(`body ${field}: ${hostile.name}`, pathWith(), {
            body: withHostileValue(body, path, hostile),
          }),
        );
    for (const [bodyName, contentType, text] of hostileBodies(body))
      requests.push(
        request(`body: ${bodyName}`, pathWith(), {
          headers: contentType ? { 'content-type': contentType } : {},
          body: text,
        }),
      );
  }
  return requests;
}

import { type JsonSchemaObject, validateAgainstSchema } from './json-schema-validator.ts';
import { rankPassages, type ScoredPassage, wordsOf } from './relevant-passage.ts';
import { numberFits, numbersIn, smallestNumbers } from './schema-number.ts';
import { isSchemaObject, resolvedSchema } from './schema-resolution.ts';

export interface InstanceContext {
  /** The user's message the value answers. */
  question: string;
  /** What the value may quote: instructions, knowledge, memories, earlier messages. */
  passages: string[];
}

/** Nesting past which only what a schema requires is produced, so that recursive schemas end. */
const MAX_DEPTH = 5;
/** Nesting past which a schema that requires itself forever gets null instead of a stack overflow. */
const GIVE_UP_DEPTH = 4 * MAX_DEPTH;

/** Said when the context has no text at all to give. */
const FALLBACK_TEXT = 'No answer is available offline.';

/** Fixed values of the common formats: the offline model stays deterministic. */
const formatExamples: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'offline@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

interface Generation {
  root: JsonSchemaObject;
  context: InstanceContext;
  depth: number;
  /** Which of several acceptable values to give: the items of an array differ by it. */
  variant: number;
  /** The property's name in words ("refund_policy" reads "refund policy"), to steer relevance. */
  topic: string;
  /** Whether the value must be there: an optional array may stay empty, a required one gets an item. */
  required: boolean;
  /** Rankings of the context per query, computed once per value. */
  rankings: Map<string, ScoredPassage[]>;
}

const humanized = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ');

function ranked(generation: Generation, extraPassages: string[] = []): ScoredPassage[] {
  const query = `${generation.context.question} ${generation.topic}`;
  const key = `${query}\u0000${extraPassages.join('\u0000')}`;
  let ranking = generation.rankings.get(key);
  if (!ranking) {
    ranking = rankPassages([...generation.context.passages, ...extraPassages], query);
    generation.rankings.set(key, ranking);
  }
  return ranking;
}

/** Texts in order of use: relevant passages, the question, then the rest of the context; never none. */
function textsByRelevance(generation: Generation): [string, ...string[]] {
  const ranking = ranked(generation);
  const question = generation.context.question.trim();
  const texts = [
    ...ranking.filter(({ score }) => score > 0).map(({ passage }) => passage),
    ...(question ? [question] : []),
    ...ranking.filter(({ score }) => score === 0).map(({ passage }) => passage),
  ];
  return [texts[0] ?? FALLBACK_TEXT, ...texts.slice(1)];
}

/** The text cut to maxLength and padded to minLength, counted in code points as ajv counts. */
function fitted(text: string, schema: JsonSchemaObject, suffix = ''): string {
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const characters = Array.from(text).slice(0, Math.max(0, maxLength - Array.from(suffix).length));
  characters.push(...suffix);
  while (characters.length < minLength) characters.push('.');
  return characters.slice(0, maxLength).join('');
}

function matcherOf(pattern: unknown): RegExp | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

const wordsIn = (text: string) => text.split(/\s+/).map((word) => word.replace(/^\p{P}+|\p{P}+$/gu, ''));

function textFor(schema: JsonSchemaObject, generation: Generation): string {
  const format = typeof schema.format === 'string' ? formatExamples[schema.format] : undefined;
  if (format) return format;
  const texts = textsByRelevance(generation);
  const pattern = matcherOf(schema.pattern);
  if (pattern) {
    // A pattern cannot be generated from in general: look for a passage, then a word, that fits it.
    for (const candidate of [...texts, ...texts.flatMap(wordsIn)]) {
      const text = fitted(candidate, schema);
      if (pattern.test(text)) return text;
    }
  }
  const chosen = texts[generation.variant];
  if (chosen !== undefined) return fitted(chosen, schema);
  return fitted(texts[0], schema, ` (${generation.variant + 1})`);
}

/** The enum value whose words best match the question, then the passages relevant to it. */
function enumChoice(schema: JsonSchemaObject, values: unknown[], generation: Generation): unknown {
  const description = typeof schema.description === 'string' ? [schema.description] : [];
  const relevant = ranked(generation, description).filter(({ score }) => score > 0);
  const questionWords = wordsOf(generation.context.question);
  const scored = values.map((value) => {
    const words = new Set(wordsOf(humanized(typeof value === 'string' ? value : JSON.stringify(value))));
    const hits = (text: string[]) => new Set(text.filter((word) => words.has(word))).size;
    // The question's own words outweigh any number of passages.
    let score = hits(questionWords) * 1000;
    for (const { passage, score: relevance } of relevant) score += relevance * hits(wordsOf(passage));
    return { value, score };
  });
  const best = [...scored].sort((first, second) => second.score - first.score);
  if (generation.variant === 0 && best[0]?.score === 0 && 'default' in schema) return schema.default;
  return best[generation.variant % best.length]?.value ?? null;
}

function numberFor(schema: JsonSchemaObject, integer: boolean, generation: Generation): number {
  const fromContext = new Set(
    textsByRelevance(generation)
      .flatMap(numbersIn)
      .filter((value) => numberFits(schema, integer, value)),
  );
  const candidates = [...fromContext, ...smallestNumbers(schema, integer, generation.variant + 1)];
  return candidates[generation.variant] ?? candidates[0] ?? 0;
}

/** True when the question speaks of the property ("urgent" for `is_urgent`); items alternate. */
function booleanFor(generation: Generation): boolean {
  const question = new Set(wordsOf(generation.context.question));
  const mentioned = wordsOf(generation.topic).some((word) => question.has(word));
  return generation.variant % 2 === 1 ? !mentioned : mentioned;
}

/** A `$ref` to the root or into its properties means something else once the part stands alone. */
const rootReference = /"\$ref":"#(?!\/(?:\$defs|definitions)\/)/;

/**
 * Whether a value is not known to fail a part of the schema, checked with the root's definitions
 * still reachable. A part that cannot be checked on its own (it refers back to the root) passes.
 */
function passes(schema: JsonSchemaObject, root: JsonSchemaObject, value: unknown): boolean {
  if (rootReference.test(JSON.stringify(schema))) return true;
  const reachable: JsonSchemaObject = { ...schema };
  for (const keyword of ['$schema', '$defs', 'definitions'])
    if (root[keyword] !== undefined) reachable[keyword] = root[keyword];
  try {
    return validateAgainstSchema(reachable, value).valid;
  } catch {
    return true;
  }
}

const child = (
  generation: Generation,
  changes: Partial<Pick<Generation, 'topic' | 'variant' | 'required'>>,
): Generation => ({ ...generation, depth: generation.depth + 1, ...changes });

function objectFor(schema: JsonSchemaObject, generation: Generation): Record<string, unknown> {
  const properties = isSchemaObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === 'string')
    : [];
  const optional = generation.depth < MAX_DEPTH ? Object.keys(properties) : [];
  const maxProperties =
    typeof schema.maxProperties === 'number' ? schema.maxProperties : Number.POSITIVE_INFINITY;
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  const extra = isSchemaObject(schema.additionalProperties) ? schema.additionalProperties : {};
  const names = [...new Set([...required, ...optional])];
  for (let index = 1; names.length < minProperties && schema.additionalProperties !== false; index++)
    if (!names.includes(`property_${index}`)) names.push(`property_${index}`);
  const entries: [string, unknown][] = [];
  for (const name of names) {
    const isRequired = required.includes(name);
    if (entries.length >= maxProperties && !isRequired) continue;
    const property = Object.hasOwn(properties, name) ? properties[name] : extra;
    const value = valueFor(property, child(generation, { topic: humanized(name), required: isRequired }));
    // An optional property the context cannot fill (a pattern nothing matches) is better left out.
    const fits = isSchemaObject(property) ? passes(property, generation.root, value) : property !== false;
    if (isRequired || fits) entries.push([name, value]);
  }
  // fromEntries defines own properties: a property named __proto__ stays data.
  return Object.fromEntries(entries);
}

function arrayFor(schema: JsonSchemaObject, generation: Generation): unknown[] {
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : [];
  const rest = Array.isArray(schema.items) ? schema.additionalItems : (schema.items ?? {});
  const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
  let count = Math.min(
    Math.max(minItems, generation.required && generation.depth < MAX_DEPTH ? 1 : 0),
    maxItems,
  );
  if (rest === false) count = Math.min(count, tuple.length);
  const items = Array.from({ length: count }, (_, index) =>
    valueFor(
      index < tuple.length ? tuple[index] : rest,
      child(generation, { variant: index, required: true }),
    ),
  );
  if (schema.uniqueItems !== true) return items;
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isNullOnly = (schema: unknown) => isSchemaObject(schema) && schema.type === 'null';

/** The first branch whose value passes the whole schema (a oneOf value must fit one branch only). */
function branchValue(schema: JsonSchemaObject, generation: Generation): unknown {
  const { anyOf, oneOf, ...common } = schema;
  const branches: unknown[] = Array.isArray(anyOf) ? anyOf : Array.isArray(oneOf) ? oneOf : [];
  if (Array.isArray(anyOf) && oneOf !== undefined) common.oneOf = oneOf;
  // A value says more than null: nullable unions try their other branches first.
  const ordered = [...branches.filter((branch) => !isNullOnly(branch)), ...branches.filter(isNullOnly)];
  let first: unknown;
  for (const [index, branch] of ordered.entries()) {
    const combined = resolvedSchema(
      { allOf: [common, isSchemaObject(branch) ? branch : {}] },
      generation.root,
    );
    const value = valueFor(combined, { ...generation, depth: generation.depth + 1 });
    if (index === 0) first = value;
    if (passes(schema, generation.root, value)) return value;
  }
  return first;
}

function typeOf(schema: JsonSchemaObject): string {
  const declared = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
    (type): type is string => typeof type === 'string',
  );
  const chosen = declared.find((type) => type !== 'null') ?? declared[0];
  if (chosen) return chosen;
  const has = (...keywords: string[]) => keywords.some((keyword) => keyword in schema);
  if (has('properties', 'required', 'additionalProperties', 'patternProperties')) return 'object';
  if (has('items', 'prefixItems', 'minItems', 'maxItems')) return 'array';
  if (has('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf')) return 'number';
  return 'string';
}

function valueFor(schema: unknown, generation: Generation): unknown {
  if (generation.depth > GIVE_UP_DEPTH) return null;
  const node = resolvedSchema(isSchemaObject(schema) ? schema : {}, generation.root);
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return enumChoice(node, node.enum, generation);
  if ('default' in node) return node.default;
  if (Array.isArray(node.anyOf) || Array.isArray(node.oneOf)) return branchValue(node, generation);
  switch (typeOf(node)) {
    case 'object':
      return objectFor(node, generation);
    case 'array':
      return arrayFor(node, generation);
    case 'number':
      return numberFor(node, false, generation);
    case 'integer':
      return numberFor(node, true, generation);
    case 'boolean':
      return booleanFor(generation);
    case 'null':
      return null;
    default:
      return textFor(node, generation);
  }
}

/**
 * A value valid against the schema, built deterministically from the context: strings quote the
 * passage most relevant to the question, enums pick the value the question and context speak of,
 * numbers come from the context when one is in bounds. The offline model's structured answers.
 */
export function instanceFor(schema: object, context: InstanceContext): unknown {
  const root = schema as JsonSchemaObject;
  return valueFor(root, {
    root,
    context,
    depth: 0,
    variant: 0,
    topic: '',
    required: true,
    rankings: new Map(),
  });
}

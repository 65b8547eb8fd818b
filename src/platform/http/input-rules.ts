import type { FastifyInstance } from 'fastify';
import { type FieldError, ValidationError } from './errors.ts';

/**
 * How deeply JSON may nest (objects and arrays inside one another). Agentry's own schemas need
 * fewer than ten levels; the limit keeps hostile input away from everything that walks JSON
 * recursively (JSON.stringify in size checks, zod, the database driver), which overflows the
 * stack at a few thousand levels.
 */
export const MAX_JSON_DEPTH = 64;

/** Enough to show the caller the pattern without echoing a whole hostile body back. */
const MAX_REPORTED_FIELDS = 20;

type InputLocation = NonNullable<FieldError['location']>;

/** PostgreSQL's text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate. */
const isStorable = (text: string) => !text.includes('\u0000') && text.isWellFormed();

function problemOf(text: string): string {
  return text.includes('\u0000')
    ? 'must not contain the NUL character (U+0000)'
    : 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
}

/**
 * Parsed JSON, query strings and path parameters: arrays and plain objects, whose prototype is
 * Object.prototype, none, or (the query string's) an object without a prototype. Buffers, streams
 * and the like are not input text.
 */
export function isContainer(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

// A stack reused by every call: the check is synchronous, so two requests never share it, and a
// clean request allocates nothing. Slots are cleared as they are taken, so it holds no request.
const pendingContainers: (Record<string, unknown> | null)[] = [];
const pendingDepths: number[] = [];
let pendingCount = 0;

/** Queues a container's child for the walk; false when the child is a string that cannot be stored. */
function acceptChild(child: unknown, depth: number): boolean {
  if (typeof child === 'string') return isStorable(child);
  if (isContainer(child)) {
    pendingContainers[pendingCount] = child;
    pendingDepths[pendingCount] = depth;
    pendingCount++;
  }
  return true;
}

/** Whether every string and key of the input can be stored and it nests at most MAX_JSON_DEPTH deep. */
export function isAcceptableInput(input: unknown): boolean {
  if (typeof input === 'string') return isStorable(input);
  if (!isContainer(input)) return true;
  acceptChild(input, 1);
  let acceptable = true;
  while (pendingCount > 0) {
    pendingCount--;
    const container = pendingContainers[pendingCount] as Record<string, unknown>;
    const depth = pendingDepths[pendingCount] as number;
    pendingContainers[pendingCount] = null;
    if (!acceptable) continue;
    if (depth > MAX_JSON_DEPTH) acceptable = false;
    else if (Array.isArray(container)) {
      for (let index = 0; acceptable && index < container.length; index++)
        acceptable = acceptChild(container[index], depth + 1);
    } else {
      for (const key in container) {
        acceptable = isStorable(key) && acceptChild(container[key], depth + 1);
        if (!acceptable) break;
      }
    }
  }
  return acceptable;
}

/**
 * The fields that break the rules, as dotted paths (`metadata.note`, `messages.0.content`), at
 * most MAX_REPORTED_FIELDS. Only called once `isAcceptableInput` said no, so it may allocate.
 */
export function inputViolations(input: unknown, location: InputLocation): FieldError[] {
  const violations: FieldError[] = [];
  const pending: { value: unknown; path: string[] }[] = [{ value: input, path: [] }];
  while (pending.length > 0 && violations.length < MAX_REPORTED_FIELDS) {
    const { value, path } = pending.pop() as { value: unknown; path: string[] };
    const field = path.length > 0 ? path.join('.') : location;
    if (typeof value === 'string') {
      if (!isStorable(value)) violations.push({ field, location, message: problemOf(value) });
      continue;
    }
    if (!isContainer(value)) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      violations.push({ field, location, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const keys = Object.keys(value);
    for (const key of keys) {
      if (!isStorable(key))
        violations.push({ field: [...path, key].join('.'), location, message: `key ${problemOf(key)}` });
    }
    // Reversed, so that fields are reported in the order the caller wrote them.
    for (const key of keys.reverse()) pending.push({ value: value[key], path: [...path, key] });
  }
  return violations.slice(0, MAX_REPORTED_FIELDS);
}

/**
 * The one place that decides what happens to input Agentry cannot store or safely walk: every
 * route refuses, with 422 naming the field, a NUL character or a lone surrogate in any string or
 * key of its body, query string or path parameters, and JSON nested deeper than MAX_JSON_DEPTH.
 * It runs before schema validation (after authentication), so nothing else sees such input.
 */
export function registerInputRules(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    if (
      isAcceptableInput(request.body) &&
      isAcceptableInput(request.query) &&
      isAcceptableInput(request.params)
    )
      return done();
    done(
      new ValidationError('The request contains input that cannot be accepted', [
        ...inputViolations(request.body, 'body'),
        ...inputViolations(request.query, 'querystring'),
        ...inputViolations(request.params, 'params'),
      ]),
    );
  });
}

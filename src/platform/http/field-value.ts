/**
 * The `value` of an entry of `validation_errors[]`: what the caller sent at the field, shown so
 * that they see what was refused, but never a secret and never much of it (docs/errors.md).
 */
import { truncateText } from '../text/shorten.ts';
import { isContainer } from './input-rules.ts';

/** Shown instead of the value of a field whose name looks secret. */
export const REDACTED = '[redacted]';
/** Strings longer than this are cut to it, and end with "…". */
export const MAX_REPORTED_STRING_LENGTH = 200;
/** Objects and arrays whose JSON (as sent) is longer than this many bytes are described, not shown. */
export const MAX_REPORTED_JSON_BYTES = 1024;

const SECRET_NAMES = new Set([
  'password',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'credentials',
  'cookie',
]);
const SECRET_SUFFIXES = ['_key', '_secret', '_token', '_password', '_credentials'];

/**
 * The one redaction rule: a field name looks secret when, lower-cased and with `-` read as `_`,
 * it is one of SECRET_NAMES or ends with one of SECRET_SUFFIXES (`api_key`, `refresh_token`,
 * `new_password`, `client_secret`, `x-api-key`).
 */
export function isSecretFieldName(name: string): boolean {
  const normalized = name.toLowerCase().replaceAll('-', '_');
  return SECRET_NAMES.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

const isArrayIndex = (segment: string) => /^\d+$/.test(segment);

/** The value at `path` in what was sent; undefined when nothing is there. Own keys only. */
function valueAt(input: unknown, path: readonly string[]): unknown {
  let current = input;
  for (const segment of path) {
    if (!isContainer(current) || !Object.hasOwn(current, segment)) return undefined;
    if (Array.isArray(current) && !isArrayIndex(segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/**
 * Whether the JSON text of `value` is surely longer than `limit` bytes. It counts a lower bound
 * and stops as soon as it passes the limit, so a huge or deeply nested body costs little.
 */
function surelyLongerThan(value: unknown, limit: number): boolean {
  let size = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') size += item.length + 2;
    else if (Array.isArray(item)) {
      size += 1 + Math.max(1, item.length);
      if (size <= limit) pending.push(...item);
    } else if (isContainer(item)) {
      size += 2;
      for (const key in item) {
        size += key.length + 3;
        if (size > limit) return true;
        pending.push(item[key]);
      }
    } else size += String(item).length;
    if (size > limit) return true;
  }
  return false;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function describeContainer(value: Record<string, unknown> | unknown[]): string {
  return Array.isArray(value)
    ? `[array, ${plural(value.length, 'item')}]`
    : `[object, ${plural(Object.keys(value).length, 'key')}]`;
}

/** A copy in which every key that looks secret holds REDACTED. Only called on small values. */
function withSecretsRedacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSecretsRedacted);
  if (!isContainer(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      isSecretFieldName(key) ? REDACTED : withSecretsRedacted(child),
    ]),
  );
}

/** A value as an error body shows it: null when absent, strings cut, large containers described. */
function reportable(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  // The first 200 characters, then the ellipsis.
  if (typeof value === 'string') return truncateText(value, MAX_REPORTED_STRING_LENGTH + 1);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Buffer.isBuffer(value)) return `[binary, ${plural(value.length, 'byte')}]`;
  if (!isContainer(value)) return `[${typeof value}]`;
  if (
    surelyLongerThan(value, MAX_REPORTED_JSON_BYTES) ||
    Buffer.byteLength(JSON.stringify(value)) > MAX_REPORTED_JSON_BYTES
  )
    return describeContainer(value);
  return withSecretsRedacted(value);
}

/** Whether the field at `path` is a secret: its last segment that is not an array index looks secret. */
function isSecretPath(path: readonly string[]): boolean {
  const name = path.findLast((segment) => !isArrayIndex(segment));
  return name !== undefined && isSecretFieldName(name);
}

/** The `value` of a field error whose value the thrower gave. */
export function reportedValue(value: unknown, path: readonly string[]): unknown {
  return isSecretPath(path) && value !== undefined && value !== null ? REDACTED : reportable(value);
}

/** The `value` of a field error at `path` of what the caller sent (a body, query string, ...). */
export function reportedValueAt(input: unknown, path: readonly string[]): unknown {
  return reportedValue(valueAt(input, path), path);
}

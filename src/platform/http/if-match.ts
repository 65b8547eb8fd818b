import { ValidationError } from './errors.ts';

/**
 * The version an `If-Match` header names, bare or as an ETag (`3`, `"3"`, `W/"3"`); undefined
 * without the header or for `*` (any version). Anything else is a 422 naming the header.
 */
export function versionInIfMatch(header: string | undefined, resource: string): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) {
    throw new ValidationError(`If-Match must hold a version of the ${resource}`, [
      { field: 'if-match', location: 'headers', message: 'expected a version number such as "3"' },
    ]);
  }
  return Number(match[1]);
}

/**
 * The version a change expects: from `If-Match` or, failing that, the body's `expected_version`;
 * the two naming different versions is a 422.
 */
export function expectedVersionOf(
  header: string | string[] | undefined,
  bodyVersion: number | undefined,
  resource: string,
): number | undefined {
  const headerVersion = versionInIfMatch(typeof header === 'string' ? header : undefined, resource);
  if (headerVersion === undefined) return bodyVersion;
  if (bodyVersion !== undefined && bodyVersion !== headerVersion) {
    throw new ValidationError('If-Match and expected_version disagree', [
      { field: 'expected_version', message: `differs from If-Match (${headerVersion})` },
    ]);
  }
  return headerVersion;
}

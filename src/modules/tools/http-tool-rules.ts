import { type FieldError, ValidationError } from '../../platform/http/errors.ts';
import { REDACTED } from '../../platform/http/field-value.ts';
import { type OutboundGuard, refuseBlockedUrl } from '../../platform/http/outbound-guard.ts';
import type { JsonSchemaObject } from '../../platform/llm/json-schema-validator.ts';
import {
  bodyPlaceholders,
  hostHasPlaceholder,
  placeholdersIn,
  SENDABLE_HEADER_VALUE,
  sampleUrl,
} from './http-tool-templates.ts';
import { declaredArguments } from './tool-input.ts';
import type { HttpToolRequest } from './tool-tables.ts';

const MAX_SECRET_HEADER_BYTES = 8_192;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Header names a tool may not set: the client sets them from the request itself. */
const RESERVED_HEADER_NAMES = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
];

function headerNameProblem(name: string): string | undefined {
  if (!HEADER_NAME.test(name)) return "must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)";
  if (RESERVED_HEADER_NAMES.includes(name.toLowerCase())) {
    return `must not be one of ${RESERVED_HEADER_NAMES.join(', ')}: they are set from the request`;
  }
  return undefined;
}

function refuse(fieldErrors: FieldError[]): never {
  const [first] = fieldErrors;
  throw new ValidationError(`The HTTP tool is not valid: ${first?.field} ${first?.message}`, fieldErrors);
}

function urlProblem(urlTemplate: string): string | undefined {
  const url = URL.parse(sampleUrl(urlTemplate));
  if (!url) return 'must be an absolute URL (placeholders aside)';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain credentials: send them as secret_headers';
  return undefined;
}

/** Whether the JSON text parses: body templates hold their placeholders inside JSON strings. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The rules of an HTTP tool's request that need no network (422 naming each field): a usable URL,
 * a body template that is JSON and not on GET, header names that may be set and none both plain
 * and secret, secret values that can be sent (a secret header is reported without its value), and
 * placeholders naming declared arguments.
 */
export function checkHttpRequest(
  request: HttpToolRequest,
  secretHeaders: { names: readonly string[]; values?: Record<string, string> | undefined },
  inputSchema: JsonSchemaObject,
): void {
  const problems: FieldError[] = [];
  const urlIssue = urlProblem(request.url_template);
  if (urlIssue) problems.push({ field: 'http.url_template', message: urlIssue });
  const body = request.body_template;
  if (body !== null && request.method === 'GET') {
    problems.push({ field: 'http.body_template', message: 'must be null: GET requests carry no body' });
  } else if (body !== null && !isJson(body)) {
    problems.push({
      field: 'http.body_template',
      message: 'must be JSON, with placeholders inside its strings ("{{name}}")',
    });
  }

  const seen = new Set<string>();
  const headerNames = [
    ...Object.entries(request.headers).map(([name, value]) => ({
      name,
      field: `http.headers.${name}`,
      value,
    })),
    ...secretHeaders.names.map((name) => ({ name, field: `http.secret_headers.${name}`, value: REDACTED })),
  ];
  for (const { name, field, value } of headerNames) {
    const issue = seen.has(name.toLowerCase())
      ? 'is given twice (header names are case-insensitive)'
      : headerNameProblem(name);
    if (issue) problems.push({ field, message: issue, value });
    seen.add(name.toLowerCase());
  }
  for (const [name, value] of Object.entries(secretHeaders.values ?? {})) {
    const issue =
      Buffer.byteLength(value) > MAX_SECRET_HEADER_BYTES
        ? `must be at most ${MAX_SECRET_HEADER_BYTES} bytes`
        : !SENDABLE_HEADER_VALUE.test(value)
          ? 'must not contain line breaks or control characters'
          : undefined;
    if (issue) problems.push({ field: `http.secret_headers.${name}`, message: issue, value: REDACTED });
  }

  const declared = declaredArguments(inputSchema);
  const undeclared = (field: string, names: string[]) => {
    const missing = names.filter((name) => !declared.has(name));
    if (missing.length > 0) {
      problems.push({
        field,
        message: `names ${missing.map((name) => `{{${name}}}`).join(', ')}, which input_schema does not declare in its properties`,
      });
    }
  };
  if (!urlIssue) undeclared('http.url_template', placeholdersIn(request.url_template));
  for (const [name, value] of Object.entries(request.headers)) {
    undeclared(`http.headers.${name}`, placeholdersIn(value));
  }
  if (body !== null && isJson(body)) undeclared('http.body_template', bodyPlaceholders(body));
  if (problems.length > 0) refuse(problems);
}

/**
 * A URL template whose host is fixed must pass the outbound guard before it is stored (and again
 * on every call). A host that does not resolve right now is accepted: the test endpoint will say so.
 */
export async function checkReachable(
  guard: Pick<OutboundGuard, 'assertAllowed'>,
  urlTemplate: string,
): Promise<void> {
  if (hostHasPlaceholder(urlTemplate) || urlProblem(urlTemplate)) return;
  await refuseBlockedUrl(guard, sampleUrl(urlTemplate));
}

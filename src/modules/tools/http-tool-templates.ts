import { ToolInputError } from '../execution/index.ts';

/**
 * The `{{name}}` placeholders of an HTTP tool's URL, header values and body, filled from the
 * model's arguments (docs/tools.md, Placeholders). A name is an argument's name; spaces inside the
 * braces are allowed.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}$/;
/** A header value that can be sent: no line breaks (header injection), no NUL, nothing beyond Latin-1. */
export const SENDABLE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export type ToolArguments = Record<string, unknown>;

/** The argument names a template's placeholders use, once each. */
export function placeholdersIn(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string))];
}

/** Every placeholder of a body template: those in its strings (keys are left as they are). */
export function bodyPlaceholders(template: string): string[] {
  const names = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string') for (const name of placeholdersIn(value)) names.add(name);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(JSON.parse(template));
  return [...names];
}

/** The host and port of a URL template as written (placeholders included), or undefined when it has no authority. */
export function templateHost(urlTemplate: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(urlTemplate)?.[1];
  return authority?.slice(authority.lastIndexOf('@') + 1);
}

export function hostHasPlaceholder(urlTemplate: string): boolean {
  return placeholdersIn(templateHost(urlTemplate) ?? '').length > 0;
}

/**
 * The URL template with every placeholder filled with a sample value, what write-time checks
 * parse: "1" fits anywhere a placeholder may stand (a host, a port, a path, a query).
 */
export const sampleUrl = (urlTemplate: string) => urlTemplate.replace(PLACEHOLDER, '1');

/** An argument as text: a string as it is, another value as JSON, an absent one as nothing. */
const textOf = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** The URL with each placeholder replaced by its argument, URL-encoded (`/` and `?` included). */
export function fillUrl(urlTemplate: string, args: ToolArguments): string {
  return urlTemplate.replace(PLACEHOLDER, (_match, name: string) => encodeURIComponent(textOf(args[name])));
}

/** A header value with its placeholders replaced by the arguments' text, refused when it could not be sent. */
export function fillHeaderValue(headerName: string, template: string, args: ToolArguments): string {
  const value = template.replace(PLACEHOLDER, (_match, name: string) => textOf(args[name]));
  if (!SENDABLE_HEADER_VALUE.test(value)) {
    throw new ToolInputError(
      `The arguments put a line break, a control character or a character beyond Latin-1 in the ${headerName} header`,
    );
  }
  return value;
}

function fillJson(value: unknown, args: ToolArguments): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole) return args[whole[1] as string] ?? null;
    return value.replace(PLACEHOLDER, (_match, name: string) => textOf(args[name]));
  }
  if (Array.isArray(value)) return value.map((item) => fillJson(item, args));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillJson(item, args)]));
  }
  return value;
}

/**
 * The body: the template's JSON with each string that is exactly one placeholder replaced by the
 * argument's JSON value (a number stays a number, an absent argument is null), and placeholders
 * inside longer strings by the argument's text. It is filled as parsed JSON, so an argument can
 * never break out of its string.
 */
export function fillBody(bodyTemplate: string, args: ToolArguments): string {
  return JSON.stringify(fillJson(JSON.parse(bodyTemplate), args));
}

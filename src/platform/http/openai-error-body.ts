import { z } from 'zod';
import type { ErrorDescription } from './error-description.ts';

/**
 * OpenAI's error body. OpenAI clients read the status into a typed error (401
 * AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError, ...) and expose `type`,
 * `param` and `code` on it, so the OpenAI-compatible routes answer in this shape.
 */
export const openAiErrorBodySchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z
        .string()
        .describe(
          'invalid_request_error, authentication_error, permission_error, rate_limit_error, insufficient_quota (a spent budget) or server_error',
        ),
      param: z
        .string()
        .nullable()
        .describe('The request parameter at fault, e.g. model or messages[0].content'),
      code: z
        .string()
        .nullable()
        .describe('OpenAI’s code where one exists (invalid_api_key, model_not_found), else Agentry’s'),
    }),
  })
  .meta({ id: 'OpenAiError' });

export type OpenAiErrorBody = z.infer<typeof openAiErrorBodySchema>;

/** The error responses of every OpenAI-compatible route, for the OpenAPI document and the serializer. */
export const openAiErrorResponses = {
  400: openAiErrorBodySchema.describe('The request cannot be served (e.g. an ambiguous model name)'),
  401: openAiErrorBodySchema.describe('Missing, invalid, expired or revoked API key'),
  403: openAiErrorBodySchema.describe('The key’s role lacks the agents:execute permission'),
  404: openAiErrorBodySchema.describe('No such model (agent) in your organization'),
  422: openAiErrorBodySchema.describe('The request does not match the schema'),
} as const;

function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Agentry codes that OpenAI clients know under another name. */
const openAiCodes: Record<string, string> = {
  authentication_error: 'invalid_api_key',
  invalid_token: 'invalid_api_key',
  token_expired: 'invalid_api_key',
  // A spent budget is what OpenAI calls an exhausted quota (429 too): clients stop retrying it.
  budget_exceeded: 'insufficient_quota',
};

/** `messages.0.content` as OpenAI writes a parameter: `messages[0].content`. */
const asOpenAiParam = (field: string) => field.replace(/\.(\d+)(?=\.|$)/g, '[$1]');

/**
 * The parameter at fault: a service names it in `details.param`; a schema violation names the
 * first offending field.
 */
function paramOf(description: ErrorDescription): string | null {
  const named = description.details?.param;
  if (typeof named === 'string') return named;
  const field = description.validation_errors?.[0]?.field;
  return field ? asOpenAiParam(field) : null;
}

export function toOpenAiErrorBody(description: ErrorDescription): OpenAiErrorBody {
  const field = description.validation_errors?.[0];
  const message = field
    ? `${description.message}: ${asOpenAiParam(field.field)} ${field.message}`
    : description.message;
  const code =
    openAiCodes[description.code] ?? (description.status === 429 ? 'rate_limit_exceeded' : description.code);
  return {
    error: {
      message,
      // OpenAI gives an exhausted quota a type of its own.
      type: code === 'insufficient_quota' ? code : typeFor(description.status),
      param: paramOf(description),
      code,
    },
  };
}

import { z } from 'zod';
import { seedErrorCodes } from './seed-error-codes.ts';

export const fieldErrorSchema = z.object({
  field: z.string().describe('Dotted path of the offending input, e.g. traits.empathy'),
  location: z.enum(['body', 'querystring', 'params', 'headers']).optional(),
  message: z.string(),
  value: z
    .unknown()
    .describe(
      'What was sent at the field, as JSON; null when it was absent. A field whose name looks secret shows "[redacted]"; strings past 200 characters are cut (ending in "…"); objects and arrays past 1 KB are described ("[object, 5 keys]"). See docs/errors.md',
    ),
});

/** The standard error body of every non-2xx response (DESIGN section 5). */
export const errorBodySchema = z
  .object({
    error: z.literal(true),
    code: z.string().describe('Stable machine-readable error code'),
    error_code: z
      .enum(seedErrorCodes)
      .optional()
      .describe('The class of the error in seed 004’s ErrorCode, where one applies (docs/errors.md)'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
    correlation_id: z.string().describe('Equals the X-Request-ID response header'),
    timestamp: z.string(),
    path: z.string(),
    validation_errors: z.array(fieldErrorSchema).optional(),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Error responses shared by every authenticated route, for the OpenAPI document. */
export const standardErrorResponses = {
  401: errorBodySchema.describe('Missing, invalid, expired or revoked credentials'),
  403: errorBodySchema.describe('Another organization’s resource, or a role without the permission'),
  422: errorBodySchema.describe('The request does not match the schema'),
} as const;

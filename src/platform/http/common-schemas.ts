import { z } from 'zod';

export const timestamp = z.iso.datetime();
export const nullableTimestamp = timestamp.nullable();

export const idParams = z.object({ id: z.uuid() });

const offset = z.coerce.number().int().min(0).max(2_147_483_647);

/**
 * `limit`/`offset` query parameters; lists also return the total in X-Total-Count. `skip` is seed
 * 003's name for `offset` (its lists page with `skip` and `limit`): the query validator reads it
 * as offset (withSkipAlias), so handlers read `offset` only.
 */
export const pageQuery = (defaultLimit: number, maxLimit: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    offset: offset.default(0),
    skip: offset.optional().describe("Seed 003's name for offset; sent with offset, the two must be equal"),
  });

const isQueryObject = (input: unknown): input is Record<string, unknown> =>
  typeof input === 'object' && input !== null && !Array.isArray(input);

/**
 * A page query that reads `skip` as `offset` before validating: `skip` alone sets offset, and
 * `skip` and `offset` with different values are refused (422 naming skip) rather than one
 * silently winning. A `skip` that is not a valid offset is left to its own field's validation.
 */
export const withSkipAlias = <Query extends z.ZodType>(query: Query) =>
  z.preprocess((input, context) => {
    if (!isQueryObject(input) || input.skip === undefined) return input;
    const skip = offset.safeParse(input.skip);
    if (!skip.success) return input;
    if (input.offset === undefined) return { ...input, offset: input.skip };
    const given = offset.safeParse(input.offset);
    if (given.success && given.data !== skip.data) {
      context.addIssue({
        code: 'custom',
        path: ['skip'],
        input: input.skip,
        message: `skip is another name for offset: send one of them, or both equal (offset is ${given.data})`,
      });
    }
    return input;
  }, query);

/** Whether a query schema is a page query, whose `skip` withSkipAlias must settle. */
export const hasSkipAlias = (query: z.ZodObject) => 'skip' in query.shape && 'offset' in query.shape;

export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

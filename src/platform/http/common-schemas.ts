import { z } from 'zod';

export const timestamp = z.iso.datetime();
export const nullableTimestamp = timestamp.nullable();

export const idParams = z.object({ id: z.uuid() });

/** `limit`/`offset` query parameters; lists also return the total in X-Total-Count. */
export const pageQuery = (defaultLimit: number, maxLimit: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    offset: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
  });

export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

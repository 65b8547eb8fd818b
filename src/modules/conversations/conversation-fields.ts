import { z } from 'zod';

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

// Text PostgreSQL cannot store (NUL, lone surrogates) never gets here: every route refuses it
// before validation (platform/http/input-rules.ts).

/** Plain text stored in a text column. */
export const storedText = (max: number) => z.string().max(max);

/** Text bounded in UTF-8 bytes (what the storage and the model's context pay for). */
export const boundedText = (maxBytes: number) =>
  z
    .string()
    .min(1)
    .max(maxBytes)
    .refine((value) => utf8Bytes(value) <= maxBytes, {
      message: `must be at most ${maxBytes / 1024} KB (UTF-8)`,
    });

const jsonText = (value: unknown) => JSON.stringify(value) ?? '';

/** A JSON value stored in jsonb, bounded in size once serialized. */
const boundedJson = <Schema extends z.ZodType>(schema: Schema, maxBytes: number) =>
  schema.refine((value) => utf8Bytes(jsonText(value)) <= maxBytes, {
    message: `must be at most ${maxBytes / 1024} KB once serialized`,
  });

const jsonObject = z.record(z.string(), z.unknown());

/** Free-form metadata: any JSON object, replaced as a whole when updated. */
export const metadataField = boundedJson(jsonObject, 16 * 1024).describe(
  'Any JSON object (at most 16 KB); an update replaces it as a whole',
);

/** Tool calls as the model emitted them, e.g. `{id, type: "function", function: {name, arguments}}`. */
export const toolCallsField = boundedJson(z.array(jsonObject).max(128), 100 * 1024).describe(
  'Tool calls of an assistant message: JSON objects in any provider format (at most 128, 100 KB)',
);

export const metadataView = jsonObject;
export const toolCallsView = z.array(jsonObject);

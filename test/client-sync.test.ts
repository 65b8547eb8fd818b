import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openApiDocumentOfFreshAgentry, schemaFile } from '../client/fresh-document.ts';
import { generateSchema } from '../client/generate-schema.ts';

describe('the typed client (client/)', () => {
  it('was generated from the current OpenAPI document: run `npm run client:generate` when this fails', {
    timeout: 60_000,
  }, async () => {
    const expected = await generateSchema(await openApiDocumentOfFreshAgentry());
    const committed = await readFile(schemaFile, 'utf8');
    // Compared whole: a diff of a megabyte of declarations would drown the message that says what to do.
    expect(committed === expected, 'client/schema.d.ts is stale: run `npm run client:generate`').toBe(true);
  });
});

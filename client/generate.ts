/** Regenerates client/schema.d.ts from a real Agentry's OpenAPI document (`npm run client:generate`). */
import { writeFile } from 'node:fs/promises';
import { openApiDocumentOfFreshAgentry, schemaFile } from './fresh-document.ts';
import { generateSchema } from './generate-schema.ts';

await writeFile(schemaFile, await generateSchema(await openApiDocumentOfFreshAgentry()));
console.log(`client: wrote ${schemaFile.pathname}`);

import openapiTS, { astToString } from 'openapi-typescript';

const banner =
  '// Generated from Agentry’s OpenAPI document by `npm run client:generate`: do not edit.\n' +
  '// test/client-sync.test.ts fails when the document changes and this file was not regenerated.\n\n';

/** The TypeScript declarations of an OpenAPI document, as `paths`, `components` and `operations`. */
export async function generateSchema(document: object): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], {
    // Operations by their operationId too, so user code can name them (`operations['createAgent']`).
    rootTypes: false,
    alphabetize: true,
  });
  return banner + astToString(ast);
}

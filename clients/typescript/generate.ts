/**
 * `npm run client:generate`: writes the OpenAPI document the service serves (built from the route
 * declarations, no running service needed) to openapi.json, and its TypeScript types to schema.d.ts.
 * Both are committed; tests/http/client.test.ts fails when they no longer match the routes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { openApiDocument } from '../../src/http/app.ts';
import { featureRoutes } from '../../src/server.ts';

export const DOCUMENT_FILE = fileURLToPath(new URL('./openapi.json', import.meta.url));
export const SCHEMA_FILE = fileURLToPath(new URL('./schema.d.ts', import.meta.url));

/** The document and its types, as the files should read. */
export async function generate(): Promise<{ document: string; schema: string }> {
  const doc = openApiDocument(featureRoutes());
  const document = `${JSON.stringify(doc, null, 2)}\n`;
  const schema = COMMENT_HEADER + astToString(await openapiTS(JSON.parse(document), { silent: true }));
  return { document, schema };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { document, schema } = await generate();
  writeFileSync(DOCUMENT_FILE, document);
  writeFileSync(SCHEMA_FILE, schema);
  console.log(`wrote ${DOCUMENT_FILE} and ${SCHEMA_FILE}`);
}

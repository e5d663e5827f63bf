/** Writes the OpenAPI document /openapi.json serves to the path given (default stdout), built without a running service. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../../src/http/app.ts';
import { featureRoutes } from '../../src/server.ts';

const text = `${JSON.stringify(openApiDocument(featureRoutes()), null, 2)}\n`;
const out = process.argv[2];
if (out) writeFileSync(out, text);
else process.stdout.write(text);

/** Operations endpoints: liveness, readiness, metrics, the OpenAPI document and readable docs. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineRoute, type AnyRoute } from './route.ts';
import { z } from './zod.ts';
import { migrationsCurrent } from '../store/migrate.ts';

export function opsRoutes(openapi: () => unknown): AnyRoute[] {
  return [
    defineRoute({
      operationId: 'getHealth', method: 'get', path: '/healthz', summary: 'The process is up', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ body: { status: 'ok' } }),
    }),
    defineRoute({
      operationId: 'getReadiness', method: 'get', path: '/readyz', summary: 'The store is reachable, migrations are applied and the policy is loaded', tags: ['operations'], auth: 'public',
      responses: {
        200: { description: 'Ready', schema: z.object({ status: z.string(), checks: z.record(z.string(), z.boolean()), policyVersion: z.string() }) },
        503: { description: 'Not ready', schema: z.object({ status: z.string(), checks: z.record(z.string(), z.boolean()) }) },
      },
      handler: async ({ services }) => {
        const checks = { store: false, migrations: false, policy: services.policy.loaded };
        try {
          await services.store.query('select 1', []);
          checks.store = true;
          checks.migrations = await migrationsCurrent(services.store);
        } catch {
          /* reported below */
        }
        const ready = Object.values(checks).every(Boolean);
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks, policyVersion: services.policy.current.version } };
      },
    }),
    defineRoute({
      operationId: 'getMetrics', method: 'get', path: '/metrics', summary: 'Prometheus metrics', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'Prometheus text exposition', schema: z.string(), contentType: 'text/plain' } },
      handler: async ({ res, services }) => {
        res.setHeader('Content-Type', services.metrics.registry.contentType);
        res.send(await services.metrics.registry.metrics());
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'getOpenApiDocument', method: 'get', path: '/openapi.json', summary: 'OpenAPI 3.1 description of this API', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'The OpenAPI document', schema: z.object({}).passthrough() } },
      handler: async () => ({ body: openapi() }),
    }),
    defineRoute({
      operationId: 'getDocs', method: 'get', path: '/docs', summary: 'Interactive API documentation (Swagger UI, with try-it)', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
      handler: async ({ res }) => {
        res.type('html').send(DOCS_PAGE);
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'getDocsScript', method: 'get', path: '/docs.js', summary: 'Script of the documentation page: starts Swagger UI on /openapi.json', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
      handler: async ({ res }) => {
        res.type('text/javascript').send(DOCS_SCRIPT);
        return undefined;
      },
    }),
    defineRoute({
      operationId: 'getDocsAsset', method: 'get', path: '/docs/assets/{file}', summary: 'Swagger UI\'s own files, served from this origin', tags: ['operations'], auth: 'public',
      params: z.object({ file: z.enum(Object.keys(DOCS_ASSETS) as [string, ...string[]]) }),
      responses: { 200: { description: 'The file', schema: z.string(), contentType: 'application/octet-stream' } },
      handler: async ({ res, params }) => {
        res.type(DOCS_ASSETS[params.file]).sendFile(join(SWAGGER_UI_DIR, params.file));
        return undefined;
      },
    }),
  ];
}

// Swagger UI from swagger-ui-dist, every file from this origin, so the page passes helmet's default
// content security policy (script-src 'self': no inline script, no CDN). The try-it calls go to the
// document's relative server, this origin; tokens are pasted into Authorize and not persisted.
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** The closed set of files served (no path from the request reaches the file system). */
const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'favicon-32x32.png': 'image/png',
};

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>needtoknow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head><body><div id="swagger-ui"><p>needtoknow API: machine-readable at <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs.js"></script></body></html>`;

export const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
  displayOperationId: true,
  validatorUrl: null,
});
`;

/** Operations endpoints: liveness, readiness, metrics, the OpenAPI document and readable docs. */
import { defineRoute, type AnyRoute } from './route.ts';
import { z } from './zod.ts';
import { migrationsCurrent } from '../store/migrate.ts';

export function opsRoutes(openapi: () => unknown): AnyRoute[] {
  return [
    defineRoute({
      method: 'get', path: '/healthz', summary: 'The process is up', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get', path: '/readyz', summary: 'The store is reachable, migrations are applied and the policy is loaded', tags: ['operations'], auth: 'public',
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
      method: 'get', path: '/metrics', summary: 'Prometheus metrics', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'Prometheus text exposition', schema: z.string(), contentType: 'text/plain' } },
      handler: async ({ res, services }) => {
        res.setHeader('Content-Type', services.metrics.registry.contentType);
        res.send(await services.metrics.registry.metrics());
        return undefined;
      },
    }),
    defineRoute({
      method: 'get', path: '/openapi.json', summary: 'OpenAPI 3.1 description of this API', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'The OpenAPI document', schema: z.object({}).passthrough() } },
      handler: async () => ({ body: openapi() }),
    }),
    defineRoute({
      method: 'get', path: '/docs', summary: 'Human-readable API documentation', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
      handler: async ({ res }) => {
        res.type('html').send(DOCS_PAGE);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get', path: '/docs.js', summary: 'Script of the documentation page', tags: ['operations'], auth: 'public',
      responses: { 200: { description: 'JavaScript', schema: z.string(), contentType: 'text/javascript' } },
      handler: async ({ res }) => {
        res.type('text/javascript').send(DOCS_SCRIPT);
        return undefined;
      },
    }),
  ];
}

// Rendered in the browser from /openapi.json by a small script of our own (/docs.js), so the page
// needs no third-party assets and passes helmet's default content security policy.
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>needtoknow API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#212b32}
h1{color:#005eb8}h2{border-bottom:2px solid #005eb8;margin-top:2rem}.op{margin:1rem 0;padding:.5rem 1rem;background:#f0f4f5;border-left:4px solid #005eb8}
.m{font-weight:700;text-transform:uppercase;margin-right:.5rem}code{background:#fff;padding:0 .2rem}pre{background:#fff;padding:.5rem;overflow:auto;font-size:13px}</style>
</head><body><h1>needtoknow API</h1><p>Every read of a child's record is authorised first, and every decision is on a tamper-evident audit trail.
Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p><div id="ops">Loading…</div>
<script src="/docs.js"></script></body></html>`;

export const DOCS_SCRIPT = `fetch('/openapi.json').then(r => r.json()).then(doc => {
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags || ['other'])[0]; (byTag[tag] = byTag[tag] || []).push({ path, method, op });
  }
  const el = document.getElementById('ops'); el.textContent = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement('h2'); h.textContent = tag; el.appendChild(h);
    for (const { path, method, op } of ops) {
      const d = document.createElement('div'); d.className = 'op';
      const t = document.createElement('div');
      const m = document.createElement('span'); m.className = 'm'; m.textContent = method; t.appendChild(m);
      const c = document.createElement('code'); c.textContent = path; t.appendChild(c); d.appendChild(t);
      const s = document.createElement('p'); s.textContent = op.summary + (op.description ? ' ' + op.description : ''); d.appendChild(s);
      const body = op.requestBody && op.requestBody.content['application/json'];
      if (body) { const p = document.createElement('pre'); p.textContent = 'Body: ' + JSON.stringify(body.schema, null, 1); d.appendChild(p); }
      const codes = document.createElement('p'); codes.textContent = 'Responses: ' + Object.entries(op.responses).map(([k, v]) => k + ' ' + v.description).join('; ');
      d.appendChild(codes); el.appendChild(d);
    }
  }
});`;

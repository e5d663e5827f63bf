/** The contract as a product: stable operation ids, servers, every error answer, examples, and /docs with try-it under the CSP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';

type Operation = { operationId?: string; security?: unknown[]; requestBody?: { content: Record<string, { examples?: object }> }; responses: Record<string, { content?: Record<string, unknown> }> };
const operations = (doc: { paths: Record<string, Record<string, Operation>> }) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method} ${path}`, op })));

describe.each(storeKinds)('OpenAPI document and /docs ($name)', (kind) => {
  let svc: TestService;
  let doc: { servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    svc = await startTestService(kind);
    doc = (await svc.http.get('/openapi.json')).body;
  });
  afterAll(() => svc?.close());

  it('names every operation with a unique camelCase operationId', () => {
    const ids = operations(doc).map(({ key, op }) => [key, op.operationId] as const);
    for (const [key, id] of ids) expect(id, key).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(ids.length);
    expect(doc.paths['/v1/authorise'].post.operationId).toBe('authorise');
    expect(doc.paths['/v1/authorise:batch'].post.operationId).toBe('authoriseBatch');
  });

  it('has a server, relative to the origin that served it', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('documents every error answer of an authenticated operation as a problem', () => {
    for (const { key, op } of operations(doc).filter(({ op }) => op.security?.length)) {
      // Declaring a break-glass is never refused for capacity (guards.ts), so it alone has no 429.
      const expected = ['400', '401', '403', '503', ...(op.requestBody ? ['413', '415'] : []), ...(key === 'post /v1/break-glass' ? [] : ['429'])];
      for (const status of expected) expect(op.responses[status]?.content, `${key} ${status}`).toHaveProperty(['application/problem+json']);
    }
    expect(Object.keys(doc.paths['/v1/break-glass'].post.responses)).not.toContain('429');
    expect(Object.keys(doc.paths['/healthz'].get.responses)).not.toContain('429');
    expect(Object.keys(doc.paths['/openapi.json'].get.responses)).toContain('429');
    expect(Object.keys(doc.paths['/v1/grants/{id}'].delete.responses)).toContain('404');
  });

  it('gives examples for the main request bodies', () => {
    for (const [path, method] of [['/v1/authorise', 'post'], ['/v1/authorise:batch', 'post'], ['/v1/break-glass', 'post'], ['/v1/grants', 'post'], ['/v1/children/{nhsNumber}', 'put'], ['/v1/relationships', 'post']]) {
      expect(doc.paths[path][method].requestBody?.content['application/json'].examples, `${method} ${path}`).toBeDefined();
    }
  });

  it('gives examples that the operation itself accepts', () => {
    const withExamples = svc.routes.filter((r) => r.examples);
    expect(withExamples.length).toBeGreaterThanOrEqual(6);
    for (const route of withExamples) {
      for (const [name, example] of Object.entries(route.examples!)) {
        const parsed = route.body!.safeParse(example.value);
        expect(parsed.success ? [] : parsed.error.issues, `${route.operationId} ${name}`).toEqual([]);
      }
    }
  });

  it('serves /docs with Swagger UI from this origin, under the strict CSP, with no inline script', async () => {
    const page = await svc.http.get('/docs');
    expect(page.status).toBe(200);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body.trim(), 'inline script').toBe('');
      expect(attrs).toMatch(/src="\/docs[./]/);
    }
    const srcs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    for (const src of srcs) {
      expect(src, 'same origin').toMatch(/^\//);
      const asset = await svc.http.get(src);
      expect(asset.status, src).toBe(200);
      expect(asset.headers['content-security-policy'], src).toBeDefined();
    }
    const init = await svc.http.get('/docs.js');
    expect(init.text).toContain("url: '/openapi.json'");
    expect(init.headers['content-type']).toMatch(/javascript/);
    expect((await svc.http.get('/docs/assets/..%2Fpackage.json')).status).toBe(400);
  });
});

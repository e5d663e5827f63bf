/** The HTTP edge: problem+json everywhere, request ids, limits, operations endpoints, OpenAPI coverage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { expressPath } from '../../src/http/route.ts';

describe.each(storeKinds)('HTTP edge ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_BODY_LIMIT: '2kb' });
  });
  afterAll(() => svc?.close());

  it('answers unknown routes with a 404 problem', async () => {
    const r = await svc.http.get('/v1/nowhere');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 404, title: 'Not found', instance: '/v1/nowhere' });
  });

  it('answers malformed JSON with a 400 problem naming the body', async () => {
    const r = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.adminToken()}`)
      .set('Content-Type', 'application/json').send('{"child": ');
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ field: 'body', message: 'malformed JSON' }]);
  });

  it('refuses oversized bodies with 413', async () => {
    const r = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.adminToken()}`)
      .send({ child: '9434765919', pad: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
  });

  it('puts a request id on every response, keeping a well-formed incoming one', async () => {
    const mine = await svc.http.get('/healthz').set('X-Request-Id', 'caller-req-12345');
    expect(mine.headers['x-request-id']).toBe('caller-req-12345');
    const fresh = await svc.http.get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('tells caches to keep nothing: no-store and no ETag, on answers and errors alike', async () => {
    for (const r of [await svc.http.get('/healthz'), await svc.http.get('/v1/nowhere'), await svc.http.post('/v1/authorise').send({})]) {
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers.etag).toBeUndefined();
    }
  });

  it('reports liveness, readiness with its checks, and Prometheus metrics', async () => {
    expect((await svc.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await svc.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: true, migrations: true, policy: true });
    expect(ready.body.policyVersion).toMatch(/^sha256:[0-9a-f]{64}$/);
    const metrics = await svc.http.get('/metrics');
    expect(metrics.text).toContain('ntk_decisions_total');
    expect(metrics.text).toContain('ntk_http_request_seconds');
  });

  it('describes every mounted route in /openapi.json', async () => {
    const doc = (await svc.http.get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${expressPath(p)}`)));
    // Walk express's own router, so a route mounted outside defineRoute would fail here.
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
    const walk = (stack: Layer[]): string[] => stack.flatMap((l) =>
      l.route ? Object.keys(l.route.methods).map((m) => `${m} ${l.route!.path}`) : l.handle?.stack ? walk(l.handle.stack) : []);
    const mounted = walk((svc.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(mounted.length).toBeGreaterThan(10);
    for (const route of mounted) expect(documented, route).toContain(route);
  });

  it('serves a readable documentation page', async () => {
    const page = await svc.http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('needtoknow API');
    expect((await svc.http.get('/docs.js')).text).toContain('/openapi.json');
  });

  it('never leaks stack traces or internals in error bodies', async () => {
    const r = await svc.http.put('/v1/children/123').set('Authorization', `Bearer ${svc.adminToken()}`).send({});
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
  });
});

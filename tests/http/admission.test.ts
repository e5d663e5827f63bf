/** The admission limit: beyond NTK_MAX_IN_FLIGHT requests in progress, new ones get 429 at once, never a queue. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

describe.each(storeKinds)('admission limit ($name)', (kind) => {
  let svc: TestService;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_MAX_IN_FLIGHT: '2' });
    await feedFixture(svc);
    server = svc.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await svc?.close();
  });

  const body = JSON.stringify({ child: NHS.toddler, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT' });

  /** A request whose body is still arriving: in progress until `finish` is called. */
  function slowRequest(): { finish: () => Promise<number> } {
    const req = http.request(`${base}/v1/authorise`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.tokenFor(users.hv)}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const status = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    return { finish: () => (req.end(body.slice(10)), status) };
  }

  it('refuses a request beyond the limit with 429 and Retry-After, admits health checks, and recovers', async () => {
    const held = [slowRequest(), slowRequest()];
    // Both have been admitted (however long that takes on a busy machine): the gauge says so.
    while (!/^ntk_http_in_flight 2$/m.test(await (await fetch(`${base}/metrics`)).text())) await new Promise((r) => setTimeout(r, 20));

    const refused = await fetch(`${base}/v1/authorise`, {
      method: 'POST', body, headers: { authorization: `Bearer ${svc.tokenFor(users.hv)}`, 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect(await refused.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    expect(await Promise.all(held.map((h) => h.finish()))).toEqual([200, 200]);
    const after = await fetch(`${base}/v1/authorise`, {
      method: 'POST', body, headers: { authorization: `Bearer ${svc.tokenFor(users.hv)}`, 'content-type': 'application/json' },
    });
    expect(after.status).toBe(200);
    expect((await after.json()).decisions[0]).toMatchObject({ decision: 'permit' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^ntk_http_shed_total 1$/m);
  });

  it('documents the 429 in OpenAPI, for the clients that must handle it', async () => {
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    expect(doc.paths['/v1/authorise'].post.responses['429'].content['application/problem+json']).toBeDefined();
  });
});

/**
 * Issue 11, cases 2 and 10 at the HTTP edge: clients without a token hold nothing (no body read, no
 * admission slot), Node's own refusals are problem+json, errors are bounded and echo no configuration,
 * token lifetimes are bounded, and cheap abuse is rate limited.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { cis2Claims, startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';
import { createServer } from '../../src/http/listen.ts';
import { demoIssuerFromKey } from '../../src/identity/demo-issuer.ts';
import { verifyToken } from '../../src/identity/verify.ts';

const body = JSON.stringify({ child: NHS.toddler, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT' });

describe.each(storeKinds)('the HTTP edge under abuse ($name)', (kind) => {
  let svc: TestService;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_MAX_IN_FLIGHT: '4', NTK_RATE_LIMITS: "explain=2,failedTokens=20" });
    await feedFixture(svc);
    server = createServer(svc.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await svc?.close();
  });

  /** Opens a raw connection that sends headers promising a body, then stalls; resolves with what came back. */
  function stalled(path: string, headers: string): { socket: net.Socket; answer: Promise<string> } {
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n${headers}\r\n{"child":`);
    let data = '';
    const answer = new Promise<string>((resolve) => {
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    return { socket, answer };
  }

  it('refuses clients with no token before reading their body, so they cannot fill the admission limit (case 2)', async () => {
    const clients = [...Array.from({ length: 12 }, () => stalled('/v1/authorise', '')), ...Array.from({ length: 4 }, () => stalled('/v1/nowhere', ''))];
    const answers = await Promise.all(clients.map((c) => c.answer));
    for (const a of answers.slice(0, 12)) {
      expect(a).toMatch(/^HTTP\/1\.1 401/);
      expect(a).toMatch(/connection: close/i);
    }
    // The unknown route: 404 at once, connection closed, nothing held.
    for (const a of answers.slice(12)) expect(a).toMatch(/^HTTP\/1\.1 (401|404)/);
    // A valid request is admitted although more than four unauthenticated ones were sent.
    const r = await fetch(`http://127.0.0.1:${port}/v1/authorise`, { method: 'POST', body, headers: { authorization: `Bearer ${svc.tokenFor(users.hv)}`, 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
  });

  it('answers oversized headers with problem+json 431', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    let data = '';
    await new Promise<void>((resolve) => { socket.on('data', (d) => (data += d)); socket.on('close', () => resolve()); socket.on('error', () => resolve()); });
    expect(data).toMatch(/^HTTP\/1\.1 431/);
    expect(data).toMatch(/application\/problem\+json/);
    expect(JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
  });

  it('bounds the error list for a body of 60,000 unknown keys (case 10)', async () => {
    const junk = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    const r = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`).send({ ...JSON.parse(body), ...junk });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.stringify(r.body).length).toBeLessThan(10_000);
  });

  it('names the missing Content-Type with 415', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/v1/authorise`, { method: 'POST', body: new Blob([body]), headers: { authorization: `Bearer ${svc.tokenFor(users.hv)}` } });
    expect(r.status).toBe(415);
    expect((await r.json()).errors[0].field).toBe('header.content-type');
  });

  it('refuses a token that lives for ever, and does not echo the expected audience (case 10)', async () => {
    const forever = svc.issuer.sign({ ...cis2Claims(users.hv) } as never, { expiresIn: 9000 * 365 * 86_400 });
    const r1 = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${forever}`).send(JSON.parse(body));
    expect(r1.status).toBe(401);
    // A token signed by a trusted key for another audience: refused, without naming the audience expected.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const expected = demoIssuerFromKey('k1', pem, 'https://idp.example', 'secret-audience-name');
    const other = demoIssuerFromKey('k1', pem, 'https://idp.example', 'someone-else');
    let message = '';
    try {
      verifyToken(other.sign(cis2Claims(users.hv) as never), [expected.trusted]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not meant for this service/);
    expect(message).not.toContain('secret-audience-name');
  });

  it('rate limits explain per user, and failed tokens per address, with Retry-After', async () => {
    const ig = `Bearer ${svc.tokenFor(users.ig)}`;
    const ask = () => svc.http.post('/v1/authorise:explain').set('Authorization', ig)
      .send({ user: 'hv1', roleCode: 'S8000:G8000:R8001', child: NHS.toddler, sections: ['immunisations'], purposeOfUse: 'TREAT' });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const third = await ask();
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    // Break-glass is never rate limited or refused for capacity; bad tokens from one address are.
    let last = 0;
    for (let i = 0; i < 20; i++) last = (await svc.http.post('/v1/authorise').set('Authorization', 'Bearer not.a.token').send(JSON.parse(body))).status;
    expect(last).toBe(429);
  });
});

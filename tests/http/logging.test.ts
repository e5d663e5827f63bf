/** Logs never hold NHS numbers, names, postcodes or tokens, and every line carries the request id. */
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { cis2Claims, makeIssuer, testConfig } from '../support/app.ts';
import { buildService, type Service } from '../../src/server.ts';
import { createLogger } from '../../src/log.ts';

describe('request logs', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  const issuer = makeIssuer();
  let svc: Service;
  beforeAll(async () => {
    // The service's own logger, as npm start builds it, writing to a sink the test reads.
    const log = createLogger('debug', sink);
    svc = await buildService(testConfig(), { store: await storeKinds[0].open(), issuers: [issuer.trusted], log });
  });
  afterAll(async () => {
    await svc?.close();
    await svc?.services.store.close();
  });

  it('redacts identifiers and secrets, and tags each line with the request id', async () => {
    const admin = issuer.sign({ sub: 'feed', azp: 'feed', scope: 'ntk:admin' } as never);
    const http = request(svc.app);
    await http.put('/v1/orgs/K84001').set('Authorization', `Bearer ${admin}`).send({ name: 'P', kind: 'gp-practice' });
    await http.put('/v1/children/9990000018').set('Authorization', `Bearer ${admin}`)
      .send({ dateOfBirth: '2020-01-01', area: 'oxfordshire', gpPractice: 'K84001', familyName: 'Zebedee', postcode: 'OX9 9ZZ' });
    const token = issuer.sign(cis2Claims({ id: 'gp1', org: 'K84001', roleCode: 'S8000:G8000:R8000' }) as never);
    const r = await http.post('/v1/authorise').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'trace-me-12345')
      .send({ child: '9990000018', sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });
    expect(r.status).toBe(200);
    await http.get('/v1/audit/events?child=9990000018').set('Authorization', `Bearer ${token}`);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(text).not.toMatch(/9990000018/);
    expect(text).not.toMatch(/Zebedee|OX9/i);
    expect(text).not.toContain(token.slice(0, 30));
    expect(text).not.toContain(admin.slice(0, 30));
    const mine = lines.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'trace-me-12345');
    expect(mine.length).toBeGreaterThan(0);
    for (const l of lines.map((x) => JSON.parse(x)).filter((x) => x.req)) expect(l.requestId).toBeTruthy();
  });

  it('redacts what the service logs by accident, through its own logger', () => {
    const before = lines.length;
    svc.services.log.warn({ child: '9990000018', token: 'eyJsecret', req: { headers: { authorization: 'Bearer eyJsecret' } } }, 'oops');
    const line = lines.slice(before).join('\n');
    expect(line).toContain('oops');
    expect(line).not.toContain('9990000018');
    expect(line).not.toContain('eyJsecret');
  });
});

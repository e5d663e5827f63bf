/** A revocation under load: every authorise that starts after the revoke has answered must deny. */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';
import { bearer } from './world.ts';

describe.each(storeKinds)('grant revocation under concurrency ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
  });
  afterAll(() => svc?.close());

  it('denies every decision that started after the revoke response, in parallel with it', async () => {
    const g = await svc.http.post('/v1/grants').set('Authorization', bearer(svc, users.lead)).send({
      child: NHS.teen, grantee: 'user:paed1', sections: ['safeguarding'], purposeOfUse: 'TREAT',
      reason: 'Strategy meeting outcome', expiresAt: new Date(svc.clock.now.getTime() + 86_400_000).toISOString(),
    });
    expect(g.status).toBe(201);
    const token = bearer(svc, users.paed);
    const results: { started: number; decision: string }[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const started = performance.now();
        const r = await svc.http.post('/v1/authorise').set('Authorization', token)
          .send({ child: NHS.teen, sections: ['safeguarding'], action: 'read', purposeOfUse: 'TREAT' });
        expect(r.status).toBe(200);
        results.push({ started, decision: r.body.decisions[0].decision });
      }
    };
    const clients = Array.from({ length: 6 }, client);
    while (results.filter((r) => r.decision === 'permit').length < 6) await new Promise((r) => setTimeout(r, 5));

    const revoke = await svc.http.delete(`/v1/grants/${g.body.id}`).set('Authorization', bearer(svc, users.lead)).send({ reason: 'Concern resolved' });
    const revokedAt = performance.now();
    expect(revoke.status).toBe(200);
    while (results.filter((r) => r.started > revokedAt).length < 12) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(clients);

    const after = results.filter((r) => r.started > revokedAt);
    expect(after.length).toBeGreaterThanOrEqual(12);
    expect(after.filter((r) => r.decision !== 'deny')).toEqual([]);
    expect(results.some((r) => r.started < revokedAt && r.decision === 'permit')).toBe(true);

    const fresh = await svc.http.post('/v1/authorise').set('Authorization', token)
      .send({ child: NHS.teen, sections: ['safeguarding'], action: 'read', purposeOfUse: 'TREAT', atLeast: revoke.body.consistencyToken });
    expect(fresh.body.decisions[0].decision).toBe('deny');
  });
});

/**
 * Issue 11, cases 4, 5, 8 and 9: machine scopes only from configured machine clients, user ids kept
 * apart by issuer, break-glass reads that cannot tell unknown, sealed and plain children apart, and
 * exposure that includes users seen only in a token.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { cis2Claims, makeIssuer, startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';
import { afterAll, beforeAll } from 'vitest';

/** A second trusted issuer (a local authority's), written to an NTK_JWT_ISSUERS file. */
function secondIssuer(entry: Record<string, unknown>) {
  const la = makeIssuer('https://la-idp.example', 'ntk-la');
  const [kid, key] = [...la.trusted.keys.entries()][0];
  const dir = mkdtempSync(path.join(tmpdir(), 'ntk-la-'));
  const file = path.join(dir, 'issuers.json');
  writeFileSync(file, JSON.stringify([{ issuer: 'https://la-idp.example', audience: 'ntk-la', jwks: { keys: [{ ...key.key.export({ format: 'jwk' }), kid }] }, ...entry }]));
  return { la, file };
}

const read = (child: string, extra: Record<string, unknown> = {}) => ({ child, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT', ...extra });

describe.each(storeKinds)('identity and oracles ($name)', (kind) => {
  let svc: TestService;
  const { la, file } = secondIssuer({ subjectPrefix: 'la', machineClients: ['la-feed'] });
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_JWT_ISSUERS: file });
    await feedFixture(svc);
  });
  afterAll(() => svc.close());

  it('honours ntk:admin only from a machine client its issuer lists (case 4)', async () => {
    const child = { dateOfBirth: '2024-01-01', area: 'oxfordshire', gpPractice: 'K84001', sealed: false };
    const put = (token: string) => svc.http.put(`/v1/children/${NHS.sealed}`).set('Authorization', `Bearer ${token}`).send(child);
    // A token with the scope but from an unlisted client, or with user roles beside it, is no feed.
    expect((await put(la.sign({ sub: 'x', azp: 'someone-else', scope: 'openid profile ntk:admin' } as never))).status).toBe(403);
    expect((await put(la.sign({ sub: 'x', scope: 'openid profile ntk:admin' } as never))).status).toBe(403);
    expect((await put(svc.issuer.sign({ sub: 'x', azp: 'la-feed', scope: 'ntk:admin' } as never))).status).toBe(403);
    const still = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`).send(read(NHS.sealed));
    expect(still.body.decisions[0].decision).toBe('deny');
    // The listed client may.
    const listed = await svc.http.put(`/v1/orgs/LA1`).set('Authorization', `Bearer ${la.sign({ sub: 'la-feed', azp: 'la-feed', scope: 'ntk:admin' } as never)}`)
      .send({ name: 'A county council', kind: 'local-authority', area: 'oxfordshire' });
    expect(listed.status, JSON.stringify(listed.body)).toBeLessThan(300);
  });

  it('keeps user ids apart by issuer: a second issuer\'s "hv1" is not hv1 (case 5)', async () => {
    // A child on hv1's own caseload (user:hv1), on no team's.
    const admin = `Bearer ${svc.adminToken()}`;
    const child = '9990001006';
    expect((await svc.http.put(`/v1/children/${child}`).set('Authorization', admin).send({ dateOfBirth: '2025-01-01', area: 'swindon', gpPractice: 'K84001' })).status).toBeLessThan(300);
    expect((await svc.http.post('/v1/relationships').set('Authorization', admin).send({ child, subject: 'user:hv1', type: 'caseload', source: 'test' })).status).toBe(201);
    const asHv1 = { ...users.hv, workgroups: ['HV-SWINDON'] };
    const own = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(asHv1)}`).send(read(child));
    expect(own.body.decisions[0].decision).toBe('permit');
    // Same sub, same claims, other issuer: a different principal, without hv1's caseload.
    const r = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${la.sign(cis2Claims(asHv1) as never)}`).send(read(child));
    expect(r.body.decisions[0].decision).toBe('deny');
    const { rows } = await svc.services.store.query<{ actor: string }>('select actor from audit_events where request_id = $1', [r.headers['x-request-id']]);
    expect(rows[0].actor).toBe('la:hv1');
  });

  it('answers a break-glass read of an unknown child exactly as of a sealed one (case 8)', async () => {
    const er = { id: 'er-oracle', org: 'RTH', roleCode: 'S8000:G8000:R8000', workgroups: ['PAED-JR'] };
    const token = `Bearer ${svc.tokenFor(er)}`;
    const answers: Record<string, unknown> = {};
    for (const [name, child] of [['unknown', NHS.unknown], ['sealed', NHS.sealed]] as const) {
      const d = await svc.http.post('/v1/break-glass').set('Authorization', token)
        .send({ child, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Unconscious child brought to ED, no record yet' });
      expect(d.status).toBe(201);
      const r = await svc.http.post('/v1/authorise').set('Authorization', token).send(read(child, { purposeOfUse: 'BTG', breakGlassId: d.body.id, sections: ['immunisations', 'safeguarding'] }));
      answers[name] = r.body.decisions.map((x: { decision: string; reasons?: string[] }) => [x.decision, x.reasons]);
    }
    expect(answers.unknown).toEqual(answers.sealed);
    expect(answers.unknown).toEqual([['deny', ['NO_LEGITIMATE_RELATIONSHIP']], ['deny', ['NO_LEGITIMATE_RELATIONSHIP']]]);
  });

  it('includes users seen only in a token in who can see a child (case 9)', async () => {
    const newcomer = { id: 'hv-new', org: 'RNU', roleCode: 'S8000:G8000:R8001', workgroups: ['HV-BANBURY'] };
    const r = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(newcomer)}`).send(read(NHS.toddler));
    expect(r.body.decisions[0].decision).toBe('permit');
    const ig = `Bearer ${svc.tokenFor(users.ig)}`;
    const exposure = await svc.http.get(`/v1/children/${NHS.toddler}/exposure`).set('Authorization', ig);
    expect(exposure.body.sections.immunisations.users.map((u: { user: string }) => u.user)).toContain('hv-new');
    const reach = await svc.http.get('/v1/users/hv-new/reach').set('Authorization', ig);
    expect(reach.status).toBe(200);
    expect(reach.body).toMatchObject({ role: 'health-visitor', children: 2 });
  });
});

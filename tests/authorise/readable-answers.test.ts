/** Answers a person can read: the basis in words, a message on every deny, and batches that fail one item at a time. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { basisInWords } from '../../src/authorise/authorise.ts';
import { DENY_MESSAGES } from '../../src/policy/vocabulary.ts';

describe('a basis in words', () => {
  it('says when a grant or a break-glass ends, in UK time', () => {
    expect(basisInWords({ kind: 'grant', grantId: 'g', until: '2027-03-12T17:00:00Z' }, {})).toBe('Granted by a safeguarding lead until 12 March 2027');
    expect(basisInWords({ kind: 'break-glass', breakGlassId: 'b', until: '2027-07-01T13:30:00Z' }, {})).toBe('Break-glass (emergency access) until 14:30 on 1 July 2027');
    expect(basisInWords({ kind: 'relationship', type: 'referral', via: 'team:X-1', relationshipId: 'r', until: '2027-03-12T00:00:00Z' }, {})).toBe('team X-1, referral until 12 March 2027');
  });
});

describe.each(storeKinds)('readable answers ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  const authorise = (user: TestUser, body: Record<string, unknown>) =>
    svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(user)}`).send({ action: 'read', purposeOfUse: 'TREAT', ...body });
  const batch = (user: TestUser, requests: unknown) =>
    svc.http.post('/v1/authorise:batch').set('Authorization', `Bearer ${svc.tokenFor(user)}`).send({ requests });
  const auditCount = async () => (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;

  it('words each basis with the team or practice name, the relationship and its end, keeping every field', async () => {
    const hv = await authorise(users.hv, { child: NHS.toddler, sections: ['immunisations'] });
    expect(hv.body.decisions[0].basis).toEqual([{ kind: 'relationship', type: 'caseload', via: 'team:HV-BANBURY', display: 'Banbury health visiting, caseload with no end date' }]);
    const gp = await authorise(users.gp, { child: NHS.teen, sections: ['immunisations'] });
    expect(gp.body.decisions[0].basis[0]).toMatchObject({ via: 'org:K84001', display: 'Banbury Cross Practice, GP registration with no end date' });
    const sn = await authorise(users.sn, { child: NHS.teen, sections: ['school-nursing'] });
    expect(sn.body.decisions[0].basis[0].display).toBe('North Oxon school nursing (school 123456), school enrolment with no end date');

    const admin = `Bearer ${svc.adminToken()}`;
    const rel = await svc.http.post('/v1/relationships').set('Authorization', admin)
      .send({ child: NHS.teen, subject: 'user:paed1', type: 'episode-of-care', validTo: '2099-03-12T12:00:00Z', source: 'pas' });
    expect(rel.status).toBe(201);
    const paed = await authorise(users.paed, { child: NHS.teen, sections: ['screening'], atLeast: rel.body.consistencyToken });
    const [basis] = paed.body.decisions[0].basis;
    expect(basis).toMatchObject({ kind: 'relationship', type: 'episode-of-care', via: 'user:paed1', until: expect.stringMatching(/^2099-03-1\dT/) });
    expect(basis.display).toMatch(/^You, episode of care until 1\d March 2099$/);
  });

  it('tells the user why in words on every deny, the same words for an unknown, a sealed and an unrelated child', async () => {
    const sections = ['health-visiting'];
    const answers = await Promise.all([
      authorise(users.hvOther, { child: NHS.unknown, sections }),
      authorise(users.hv, { child: NHS.sealed, sections }),
      authorise(users.hvOther, { child: NHS.toddler, sections }),
    ]);
    const messages = answers.map((r) => r.body.decisions[0].message);
    expect(messages).toEqual(Array(3).fill(DENY_MESSAGES.NO_LEGITIMATE_RELATIONSHIP));
    for (const m of messages) expect(m).not.toMatch(/seal|restrict|unknown|exist/i);
    const role = await authorise(users.hv, { child: NHS.toddler, sections: ['confidential'] });
    expect(role.body.decisions[0]).toMatchObject({ decision: 'deny', reasons: ['ROLE_NOT_PERMITTED'], message: DENY_MESSAGES.ROLE_NOT_PERMITTED });
    const permit = await authorise(users.hv, { child: NHS.toddler, sections: ['immunisations'] });
    expect(permit.body.decisions[0]).not.toHaveProperty('message');
  });

  it('answers an invalid batch item with a problem in its slot, and decides and audits the rest', async () => {
    const good = (child: string) => ({ child, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });
    const before = await auditCount();
    const r = await batch(users.gp, [
      good(NHS.teen),
      { ...good('9434765918'), sections: ['immunisations'] },
      { ...good(NHS.toddler), atLeast: 'ct1.999999999' },
      42,
      good(NHS.toddler),
    ]);
    expect(r.status).toBe(200);
    const [first, badChild, staleToken, notObject, last] = r.body.results;
    expect(first.decisions[0]).toMatchObject({ decision: 'permit' });
    expect(first.decisions[0].basis[0].display).toBe('Banbury Cross Practice, GP registration with no end date');
    expect(last.decisions[0]).toMatchObject({ decision: 'permit' });
    expect(badChild.problem).toMatchObject({ status: 400, title: 'Invalid request', errors: [expect.objectContaining({ field: 'body.requests.1.child' })] });
    expect(staleToken.problem).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'body.requests.2.atLeast' })] });
    expect(notObject.problem.status).toBe(400);
    expect(notObject.problem.errors[0].field).toBe('body.requests.3');
    expect(await auditCount()).toBe(before + 2);
    const { rows } = await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events where id = any($1)', [[first.decisions[0].auditId, last.decisions[0].auditId]]);
    expect(rows[0].n).toBe(2);
  });

  it('answers with a problem in every slot and audits nothing when every item is invalid', async () => {
    const before = await auditCount();
    const r = await batch(users.gp, [{ child: 'x' }, null]);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { problem: { status: number } }) => x.problem.status)).toEqual([400, 400]);
    expect(await auditCount()).toBe(before);
  });

  it('refuses the whole batch only when the envelope is wrong', async () => {
    const item = { child: NHS.teen, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' };
    for (const [body, field] of [
      [{ requests: [] }, 'body.requests'],
      [{ requests: 'all' }, 'body.requests'],
      [{ requests: Array(101).fill(item) }, 'body.requests'],
      [{ requests: [item], extra: true }, 'body.extra'],
    ] as const) {
      const r = await svc.http.post('/v1/authorise:batch').set('Authorization', `Bearer ${svc.tokenFor(users.gp)}`).send(body);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});

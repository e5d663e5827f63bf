/** Authorise-before-read through the HTTP API: answers, explanations, coarse denials, durable audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService, type TestUser } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

describe.each(storeKinds)('authorise ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
  });
  afterAll(() => svc?.close());

  const authorise = (user: TestUser, body: Record<string, unknown>) =>
    svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(user)}`).send({ action: 'read', purposeOfUse: 'TREAT', ...body });

  it('permits a health visitor on the team caseload, explaining the basis', async () => {
    const r = await authorise(users.hv, { child: NHS.toddler, sections: ['immunisations', 'safeguarding', 'confidential'] });
    expect(r.status).toBe(200);
    expect(r.body.policyVersion).toMatch(/^sha256:/);
    const [imm, sg, conf] = r.body.decisions;
    expect(imm).toMatchObject({ section: 'immunisations', decision: 'permit', basis: [{ kind: 'relationship', type: 'caseload', via: 'team:HV-BANBURY' }], obligations: [] });
    expect(imm.basis[0]).not.toHaveProperty('relationshipId');
    expect(sg).toMatchObject({ section: 'safeguarding', decision: 'deny', reasons: ['NO_LEGITIMATE_RELATIONSHIP'] });
    expect(conf).toMatchObject({ section: 'confidential', decision: 'deny', reasons: ['ROLE_NOT_PERMITTED'] });
    for (const d of r.body.decisions) expect(d.auditId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives a GP access through registration at the practice, and a school nurse through the school', async () => {
    const gp = await authorise(users.gp, { child: NHS.teen, sections: ['immunisations'] });
    expect(gp.body.decisions[0]).toMatchObject({ decision: 'permit', basis: [{ type: 'gp-registration', via: 'org:K84001' }] });
    const sn = await authorise(users.sn, { child: NHS.teen, sections: ['school-nursing'] });
    expect(sn.body.decisions[0]).toMatchObject({ decision: 'permit', basis: [{ type: 'school-enrolment', via: 'school:123456' }] });
  });

  it('answers an unknown child, a sealed record and a child with no relationship identically', async () => {
    const strip = (b: { decisions: { auditId?: string }[] }) => ({ ...b, decisions: b.decisions.map(({ auditId: _a, ...d }) => d) });
    const sections = ['demographics', 'health-visiting'];
    const unknown = await authorise(users.hvOther, { child: NHS.unknown, sections });
    const sealed = await authorise(users.hv, { child: NHS.sealed, sections });
    const noRelationship = await authorise(users.hvOther, { child: NHS.toddler, sections });
    expect(unknown.status).toBe(200);
    expect(strip(unknown.body)).toEqual(strip(noRelationship.body));
    expect(strip(sealed.body)).toEqual(strip(noRelationship.body));
    expect(JSON.stringify(sealed.body)).not.toMatch(/seal|restrict/i);
  });

  it('writes the precise reason to the audit trail, committed before the answer', async () => {
    const r = await authorise(users.hv, { child: NHS.sealed, sections: ['health-visiting'] });
    const { rows } = await svc.services.store.query<{ body: string; kind: string; decision: string }>(
      'select body, kind, decision from audit_events where id = $1', [r.body.decisions[0].auditId]);
    expect(rows).toHaveLength(1);
    const event = JSON.parse(rows[0].body);
    expect(event).toMatchObject({
      kind: 'decision', child: NHS.sealed, section: 'health-visiting', decision: 'deny', purpose: 'TREAT', action: 'read',
      actor: { user: 'hv1', role: 'health-visitor', roleCode: 'S8000:G8000:R8001', org: 'RNU', client: 'test-clinical-system' },
      details: { reason: { code: 'RESTRICTED', detail: { restriction: 'sealed' } } },
    });
    expect(event.policyVersion).toBe(r.body.policyVersion);
    expect(event.requestId).toBe(r.headers['x-request-id']);
  });

  it('redacts the address of a restricted child for a role that may not override', async () => {
    const r = await authorise(users.hv, { child: NHS.restricted, sections: ['demographics'] });
    expect(r.body.decisions[0]).toMatchObject({ decision: 'permit', obligations: ['redact:address', 'redact:postcode'] });
  });

  it('answers a batch in order, with one audit event per section', async () => {
    const token = svc.tokenFor(users.gp);
    const requests = [NHS.teen, NHS.toddler, NHS.unknown].map((child) => ({ child, sections: ['immunisations', 'screening'], action: 'read', purposeOfUse: 'TREAT' }));
    const before = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    const r = await svc.http.post('/v1/authorise:batch').set('Authorization', `Bearer ${token}`).send({ requests });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { decisions: { decision: string }[] }) => x.decisions.map((d) => d.decision))).toEqual([
      ['permit', 'permit'], ['permit', 'permit'], ['deny', 'deny'],
    ]);
    const after = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    expect(after - before).toBe(6);
  });

  it('decides each of many concurrent requests on its own facts, though they share fact reads', async () => {
    const asks: [TestUser, string, string, string][] = [
      [users.hv, NHS.toddler, 'health-visiting', 'permit'],
      [users.hvOther, NHS.toddler, 'health-visiting', 'deny'],
      [users.gp, NHS.teen, 'immunisations', 'permit'],
      [users.sn, NHS.teen, 'school-nursing', 'permit'],
      [users.hv, NHS.sealed, 'health-visiting', 'deny'],
      [users.hv, NHS.unknown, 'health-visiting', 'deny'],
    ];
    const all = Array.from({ length: 5 }, () => asks).flat();
    const answers = await Promise.all(all.map(([user, child, section]) => authorise(user, { child, sections: [section] })));
    answers.forEach((r, i) => expect(r.body.decisions[0], `${all[i][0].id} ${all[i][1]}`).toMatchObject({ section: all[i][2], decision: all[i][3] }));

    // Reads asked for in one event-loop turn go to the store as one statement, each answered with its own child.
    const facts = svc.services.facts;
    const before = facts.statements;
    const now = new Date();
    const children = [NHS.toddler, NHS.teen, NHS.unknown, NHS.sealed];
    const got = await Promise.all(children.map((child) => facts.gather({ child, userId: 'hv1', subjects: ['user:hv1', 'team:HV-BANBURY'], workgroups: ['HV-BANBURY'], orgCode: 'RNU', now, lookbackDays: 30 })));
    expect(facts.statements - before).toBe(1);
    expect(got.map((g) => g.facts.child?.nhsNumber)).toEqual([NHS.toddler, NHS.teen, undefined, NHS.sealed]);
    expect(got[0].facts.relationships.map((r) => r.subject)).toContain('team:HV-BANBURY');
    expect(got[1].facts.relationships).toEqual([]);
    expect(got[0].teams.map((t) => t.id)).toEqual(['HV-BANBURY']);
  });

  it('rejects bad requests with problem+json naming the field, and audits nothing', async () => {
    const before = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    const cases: [Record<string, unknown>, string][] = [
      [{ child: '9434765918', sections: ['immunisations'] }, 'body.child'],
      [{ child: NHS.toddler, sections: ['immunisation'] }, 'body.sections.0'],
      [{ child: NHS.toddler, sections: [] }, 'body.sections'],
      [{ child: NHS.toddler, sections: ['immunisations'], purposeOfUse: 'FUN' }, 'body.purposeOfUse'],
      [{ child: NHS.toddler, sections: ['immunisations'], action: 'write' }, 'body.action'],
      [{ child: NHS.toddler, sections: ['immunisations'], purposeOfUse: 'BTG' }, 'body.breakGlassId'],
      [{ child: NHS.toddler, sections: ['immunisations'], extra: 1 }, 'body.extra'],
      [{ child: NHS.toddler, sections: ['immunisations'], atLeast: 'yesterday' }, 'body.atLeast'],
    ];
    for (const [body, field] of cases) {
      const r = await authorise(users.hv, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    const after = (await svc.services.store.query<{ n: number }>('select count(*)::int as n from audit_events', [])).rows[0].n;
    expect(after).toBe(before);
  });

  it('decides on facts at least as fresh as a consistency token', async () => {
    const admin = `Bearer ${svc.adminToken()}`;
    const start = await svc.http.post('/v1/relationships').set('Authorization', admin)
      .send({ child: NHS.teen, subject: 'user:paed1', type: 'episode-of-care', source: 'pas' });
    expect(start.status).toBe(201);
    const permit = await authorise(users.paed, { child: NHS.teen, sections: ['screening'], atLeast: start.body.consistencyToken });
    expect(permit.body.decisions[0]).toMatchObject({ decision: 'permit', basis: [{ type: 'episode-of-care', via: 'user:paed1' }] });
    const end = await svc.http.delete(`/v1/relationships/${start.body.id}`).set('Authorization', admin);
    expect(end.status).toBe(200);
    const deny = await authorise(users.paed, { child: NHS.teen, sections: ['screening'], atLeast: end.body.consistencyToken });
    expect(deny.body.decisions[0].decision).toBe('deny');
    const future = await authorise(users.paed, { child: NHS.teen, sections: ['screening'], atLeast: 'ct1.999999999' });
    expect(future.status).toBe(400);
  });

  it('refuses roles without the authorise capability with 403', async () => {
    const ig = await authorise(users.ig, { child: NHS.toddler, sections: ['demographics'] });
    expect(ig.status).toBe(403);
    const admin = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.adminToken()}`)
      .send({ child: NHS.toddler, sections: ['demographics'], action: 'read', purposeOfUse: 'TREAT' });
    expect(admin.status).toBe(403);
  });

  it('lets IG explain what a named user would be decided, with rules and facts, and audits it', async () => {
    const r = await svc.http.post('/v1/authorise:explain').set('Authorization', `Bearer ${svc.tokenFor(users.ig)}`)
      .send({ user: 'hv1', roleCode: 'S8000:G8000:R8001', child: NHS.toddler, sections: ['health-visiting', 'safeguarding'], purposeOfUse: 'TREAT' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: 'hv1', role: 'health-visitor', mayAuthorise: true });
    expect(r.body.decisions[0]).toMatchObject({ section: 'health-visiting', decision: 'permit', reason: { code: 'PERMIT' } });
    expect(r.body.decisions[0].rules).toContainEqual({ basis: 'caseload', via: 'team:HV-BANBURY', allowed: true, rule: ['health-visitor', 'core', 'caseload', 'TREAT|ETREAT', '0-5', 'allow'] });
    expect(r.body.decisions[1]).toMatchObject({ decision: 'deny', reason: { code: 'NO_RELATIONSHIP' } });
    const { rows } = await svc.services.store.query<{ body: string }>('select body from audit_events where id = $1', [r.body.auditIds[0]]);
    expect(JSON.parse(rows[0].body)).toMatchObject({ kind: 'explain', actor: { user: 'ig1', role: 'ig-officer' }, details: { subjectUser: 'hv1' } });
    const denied = await svc.http.post('/v1/authorise:explain').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`)
      .send({ user: 'hv1', roleCode: 'S8000:G8000:R8001', child: NHS.toddler, sections: ['health-visiting'], purposeOfUse: 'TREAT' });
    expect(denied.status).toBe(403);
  });
});

/** Grants by safeguarding leads through the HTTP API: create, read under, expire, revoke, list, refuse. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService, type TestUser } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';
import { bearer, counts, failingAudit, feedSecondArea, lead2, SWINDON_CHILD } from './world.ts';

const DAY = 86_400_000;
const REASON = 'Section 47 enquiry opened by the county';

describe.each(storeKinds)('grants ($name)', (kind) => {
  let svc: TestService;
  let start: Date;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
    await feedSecondArea(svc);
    start = svc.clock.now;
  });
  afterEach(() => {
    svc.clock.now = start;
  });
  afterAll(() => svc?.close());

  const inDays = (d: number) => new Date(svc.clock.now.getTime() + d * DAY).toISOString();
  const grant = (body: Record<string, unknown>, by: TestUser = users.lead) =>
    svc.http.post('/v1/grants').set('Authorization', bearer(svc, by)).send({
      child: NHS.teen, grantee: 'user:paed1', sections: ['screening', 'safeguarding'], purposeOfUse: 'TREAT', reason: REASON, expiresAt: inDays(7), ...body,
    });
  const revoke = (id: string, body: Record<string, unknown> = { reason: 'Enquiry closed, no further action' }, by: TestUser = users.lead) =>
    svc.http.delete(`/v1/grants/${id}`).set('Authorization', bearer(svc, by)).send(body);
  const decision = async (user: TestUser, body: Record<string, unknown>) => {
    const r = await svc.http.post('/v1/authorise').set('Authorization', bearer(svc, user))
      .send({ child: NHS.teen, sections: ['safeguarding'], action: 'read', purposeOfUse: 'TREAT', ...body });
    expect(r.status).toBe(200);
    return r.body.decisions[0];
  };

  it('grants a named user sections of a child for a purpose, audited with its reason and alerted', async () => {
    expect((await decision(users.paed, {})).decision).toBe('deny');
    const r = await grant({});
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      child: NHS.teen, grantee: 'user:paed1', sections: ['screening', 'safeguarding'], purposeOfUse: 'TREAT', reason: REASON,
      grantedBy: 'sg1', revokedAt: null, active: true,
    });
    const permit = await decision(users.paed, { atLeast: r.body.consistencyToken });
    expect(permit).toMatchObject({ decision: 'permit', basis: [{ kind: 'grant', grantId: r.body.id, until: r.body.expiresAt }] });
    // The purpose must be the grant's; a section not granted stays closed.
    expect((await decision(users.paed, { purposeOfUse: 'ETREAT' })).decision).toBe('deny');
    expect((await decision(users.paed, { sections: ['health-visiting'] })).decision).toBe('deny');

    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'grant' and actor = 'sg1'`);
    expect(JSON.parse(rows[0].body)).toMatchObject({
      child: NHS.teen, purpose: 'TREAT', actor: { user: 'sg1', role: 'safeguarding-lead' },
      details: { grantId: r.body.id, grantee: 'user:paed1', sections: ['screening', 'safeguarding'], reason: REASON },
    });
    const alert = await svc.services.store.query<{ kind: string; recipients: string[] }>('select kind, recipients from alerts where ref = $1', [r.body.id]);
    expect(alert.rows).toEqual([{ kind: 'grant', recipients: ['role:ig-officer', 'team:SG-OX'] }]);
  });

  it('grants a team: every member reads; the grant expires by the server clock at expiresAt', async () => {
    const expiresAt = inDays(3);
    const r = await grant({ child: NHS.toddler, grantee: 'team:HV-SWINDON', sections: ['health-visiting'], expiresAt });
    expect(r.status).toBe(201);
    const read = () => svc.http.post('/v1/authorise').set('Authorization', bearer(svc, users.hvOther))
      .send({ child: NHS.toddler, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT' }).then((x) => x.body.decisions[0]);
    svc.clock.now = new Date(Date.parse(expiresAt) - 1000);
    expect(await read()).toMatchObject({ decision: 'permit', basis: [{ kind: 'grant', grantId: r.body.id }] });
    svc.clock.now = new Date(Date.parse(expiresAt));
    expect((await read()).decision).toBe('deny');
    svc.clock.now = new Date(Date.parse(expiresAt) + 60_000);
    expect((await read()).decision).toBe('deny');
    // Nothing left to revoke once expired.
    expect((await revoke(r.body.id)).status).toBe(409);
  });

  it('revokes with a reason: the next decision denies; a second revoke is 409, an unknown id 404', async () => {
    const g = await grant({ grantee: 'user:sn1', sections: ['safeguarding'] });
    expect((await decision(users.sn, { atLeast: g.body.consistencyToken })).decision).toBe('permit');
    const r = await revoke(g.body.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: g.body.id, active: false, revokedBy: 'sg1', revokeReason: 'Enquiry closed, no further action' });
    expect(r.body.revokedAt).toBe(svc.clock.now.toISOString());
    expect((await decision(users.sn, { atLeast: r.body.consistencyToken })).decision).toBe('deny');

    const event = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'grant-revoke' and actor = 'sg1'`);
    expect(event.rows.map((x) => JSON.parse(x.body).details)).toContainEqual(expect.objectContaining({ grantId: g.body.id, reason: 'Enquiry closed, no further action' }));
    const alert = await svc.services.store.query<{ kind: string }>(`select kind from alerts where ref = $1 order by created_at`, [g.body.id]);
    expect(alert.rows.map((a) => a.kind)).toEqual(['grant', 'grant-revoke']);

    const before = await counts(svc);
    expect((await revoke(g.body.id)).status).toBe(409);
    expect((await revoke('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await revoke(g.body.id, {})).status).toBe(400);
    expect((await revoke(g.body.id, { reason: 'x' })).body.errors[0].field).toBe('body.reason');
    expect((await revoke(g.body.id, undefined, users.hv)).status).toBe(403);
    expect(await counts(svc)).toEqual(before);
  });

  it('lets only a lead of the child\'s area (or the granting lead) revoke', async () => {
    const g = await grant({});
    const r = await revoke(g.body.id, undefined, lead2);
    expect(r.status).toBe(403);
    expect((await revoke(g.body.id)).status).toBe(200);
  });

  it('refuses bad grants with a clear 400 naming the field, and writes nothing', async () => {
    const before = await counts(svc);
    const cases: [Record<string, unknown>, string][] = [
      [{ reason: undefined }, 'body.reason'],
      [{ reason: 'because' }, 'body.reason'],
      [{ expiresAt: undefined }, 'body.expiresAt'],
      [{ expiresAt: 'next week' }, 'body.expiresAt'],
      [{ expiresAt: inDays(-1) }, 'body.expiresAt'],
      [{ expiresAt: new Date(start.getTime()).toISOString() }, 'body.expiresAt'],
      [{ expiresAt: inDays(30.01) }, 'body.expiresAt'],
      [{ grantee: 'user:nobody' }, 'body.grantee'],
      [{ grantee: 'team:NOPE' }, 'body.grantee'],
      [{ grantee: 'org:K84001' }, 'body.grantee'],
      [{ grantee: 'team:CHR-OX', sections: ['demographics', 'safeguarding'] }, 'body.sections'],
      [{ grantee: 'user:hv2', sections: ['confidential'] }, 'body.sections'],
      [{ sections: [] }, 'body.sections'],
      [{ sections: ['screening', 'screening'] }, 'body.sections'],
      [{ purposeOfUse: 'BTG' }, 'body.purposeOfUse'],
      [{ purposeOfUse: 'PUBHLTH' }, 'body.purposeOfUse'],
      [{ child: SWINDON_CHILD }, 'body.child'],
      [{ child: NHS.unknown }, 'body.child'],
      [{ extra: true }, 'body.extra'],
    ];
    for (const [body, field] of cases) {
      const r = await grant(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    // A child elsewhere and an unknown child get the same answer.
    const elsewhere = await grant({ child: SWINDON_CHILD });
    const unknown = await grant({ child: NHS.unknown });
    expect(unknown.body.errors).toEqual(elsewhere.body.errors);
    expect(elsewhere.body.errors[0].message).toMatch(/oxfordshire/);
    // Capability: only safeguarding leads grant.
    for (const user of [users.hv, users.clerk, users.ig, users.gp]) expect((await grant({}, user)).status, user.id).toBe(403);
    expect(await counts(svc)).toEqual(before);
    // Exactly at the maximum is allowed.
    const max = svc.services.policy.current.parameters.grants.maxDays;
    expect((await grant({ expiresAt: inDays(max) })).status).toBe(201);
  });

  it('lists grants per child and per grantee, live ones with active=true; leads see their own area only; audited', async () => {
    const mine = await grant({ grantee: 'team:HV-BANBURY', sections: ['safeguarding'] });
    const theirs = await grant({ child: SWINDON_CHILD, grantee: 'user:hv2', sections: ['health-visiting'] }, lead2);
    expect(theirs.status).toBe(201);
    const list = (query: Record<string, string>, user: TestUser) => svc.http.get('/v1/grants').query(query).set('Authorization', bearer(svc, user));

    const byChild = await list({ child: NHS.teen, active: 'true' }, users.lead);
    expect(byChild.status).toBe(200);
    expect(byChild.body.grants.map((g: { id: string }) => g.id)).toContain(mine.body.id);
    expect(byChild.body.grants.every((g: { child: string; active: boolean }) => g.child === NHS.teen && g.active)).toBe(true);
    expect((await list({ grantee: 'team:HV-BANBURY' }, users.lead)).body.grants.map((g: { id: string }) => g.id)).toEqual([mine.body.id]);

    const leadSees = (await list({}, users.lead)).body.grants.map((g: { id: string }) => g.id);
    expect(leadSees).not.toContain(theirs.body.id);
    const igSees = (await list({}, users.ig)).body.grants.map((g: { id: string }) => g.id);
    expect(igSees).toEqual(expect.arrayContaining([mine.body.id, theirs.body.id]));

    await revoke(mine.body.id);
    expect((await list({ grantee: 'team:HV-BANBURY', active: 'true' }, users.ig)).body.grants).toEqual([]);
    expect((await list({ grantee: 'team:HV-BANBURY', active: 'false' }, users.ig)).body.grants.map((g: { id: string }) => g.id)).toEqual([mine.body.id]);

    expect((await list({}, users.hv)).status).toBe(403);
    expect((await list({ active: 'yes' }, users.ig)).status).toBe(400);
    expect((await list({ child: '123' }, users.ig)).status).toBe(400);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = 'ig1'`);
    expect(rows.map((x) => JSON.parse(x.body).details.query)).toContain('grants');
  });

  it('lists grants by grantor (an id or me) and by grantee (user:<id>, a bare user id or me), each listing audited once with its filters', async () => {
    const sn = await grant({ grantee: 'user:sn1', sections: ['safeguarding'] });
    const team = await grant({ grantee: 'team:HV-BANBURY', sections: ['safeguarding'] });
    const theirs = await grant({ child: SWINDON_CHILD, grantee: 'user:hv2', sections: ['health-visiting'] }, lead2);
    const list = (query: Record<string, string>, user: TestUser = users.lead) => svc.http.get('/v1/grants').query(query).set('Authorization', bearer(svc, user));
    const ids = async (query: Record<string, string>, user?: TestUser) => {
      const r = await list(query, user);
      expect(r.status, JSON.stringify(query)).toBe(200);
      return r.body.grants.map((g: { id: string }) => g.id) as string[];
    };
    const mine = await ids({ grantor: 'me' });
    expect(mine).toEqual(expect.arrayContaining([sn.body.id, team.body.id]));
    expect((await list({ grantor: 'me' })).body.grants.every((g: { grantedBy: string }) => g.grantedBy === 'sg1')).toBe(true);
    expect(await ids({ grantor: 'sg1' })).toEqual(mine);
    // IG sees any lead's grants; a lead sees none of another area's, even by grantor.
    const bySg2 = await list({ grantor: 'sg2' }, users.ig);
    expect(bySg2.body.grants.map((g: { id: string }) => g.id)).toContain(theirs.body.id);
    expect(bySg2.body.grants.every((g: { grantedBy: string }) => g.grantedBy === 'sg2')).toBe(true);
    expect(await ids({ grantor: 'sg2' })).toEqual([]);
    expect(await ids({ grantor: 'me', grantee: 'user:sn1' })).toContain(sn.body.id);
    expect(await ids({ grantor: 'me', grantee: 'sn1' })).toEqual(await ids({ grantor: 'me', grantee: 'user:sn1' }));
    expect((await ids({ grantee: 'sn1' })).every((id) => id !== team.body.id)).toBe(true);
    expect(await ids({ grantee: 'me' })).toEqual([]);
    // Existing filters keep working alongside; unknown or malformed parameters stay 400.
    expect(await ids({ grantor: 'me', grantee: 'team:HV-BANBURY', active: 'true', child: NHS.teen })).toContain(team.body.id);
    for (const query of [{ grantr: 'me' }, { grantor: 'a b' }, { grantee: 'org:K84001' }, { grantee: 'user:' }] as Record<string, string>[]) {
      const r = await list(query);
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(r.body.errors[0].field).toMatch(/^query\./);
    }

    const trail = async () => (await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = 'sg1' order by seq`)).rows
      .map((r) => JSON.parse(r.body)).filter((e) => e.details.query === 'grants');
    const before = (await trail()).length;
    await list({ grantor: 'me', grantee: 'sn1' });
    const after = await trail();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1).details).toEqual({ query: 'grants', filters: { grantor: 'sg1', grantee: 'user:sn1', limit: 100 }, results: expect.any(Number) });
  });

  it('commits a grant or a revocation with its audit event and alert, or nothing (503)', async () => {
    const g = await grant({});
    const before = await counts(svc);
    expect((await failingAudit(svc, () => grant({}))).status).toBe(503);
    expect((await failingAudit(svc, () => revoke(g.body.id))).status).toBe(503);
    expect(await counts(svc)).toEqual(before);
    const { rows } = await svc.services.store.query<{ revoked_at: Date | null }>('select revoked_at from grants where id = $1', [g.body.id]);
    expect(rows[0].revoked_at).toBeNull();
  });
});

/** Extending a grant: a lead of the child's area moves the end of a live grant later, within the policy maximum, audited and alerted. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { bearer, counts, failingAudit, feedSecondArea, lead2 } from './world.ts';

const DAY = 86_400_000;
const REASON = 'Section 47 enquiry opened by the county';
const MORE = 'Conference postponed by a week';

describe.each(storeKinds)('extending grants ($name)', (kind) => {
  let svc: TestService;
  let start: Date;
  useFixtureService(kind, (s, t) => {
    svc = s;
    start = t;
  });

  const inDays = (d: number) => new Date(svc.clock.now.getTime() + d * DAY).toISOString();
  const grant = async (body: Record<string, unknown> = {}, by: TestUser = users.lead) => {
    const r = await svc.http.post('/v1/grants').set('Authorization', bearer(svc, by)).send({
      child: NHS.teen, grantee: 'user:sn1', sections: ['safeguarding'], purposeOfUse: 'TREAT', reason: REASON, expiresAt: inDays(7), ...body,
    });
    expect(r.status).toBe(201);
    return r.body as { id: string; expiresAt: string; consistencyToken: string };
  };
  const extend = (id: string, body: Record<string, unknown>, by: TestUser = users.lead) =>
    svc.http.post(`/v1/grants/${id}/extend`).set('Authorization', bearer(svc, by)).send({ reason: MORE, ...body });
  const read = (atLeast?: string) => svc.http.post('/v1/authorise').set('Authorization', bearer(svc, users.sn))
    .send({ child: NHS.teen, sections: ['safeguarding'], action: 'read', purposeOfUse: 'TREAT', ...(atLeast ? { atLeast } : {}) }).then((r) => r.body.decisions[0]);

  it('moves the end by days: the grant permits until the new end, audited with the previous end and alerted like a grant', async () => {
    const g = await grant();
    const r = await extend(g.id, { days: 7 });
    expect(r.status).toBe(200);
    const newEnd = new Date(Date.parse(g.expiresAt) + 7 * DAY).toISOString();
    expect(r.body).toMatchObject({ id: g.id, expiresAt: newEnd, active: true, revokedAt: null });
    expect(r.body.consistencyToken).toMatch(/^ct1\.\d+$/);
    expect(await read(r.body.consistencyToken)).toMatchObject({ decision: 'permit', basis: [{ kind: 'grant', grantId: g.id, until: newEnd }] });
    // After the old end it still permits; at the new end it stops.
    svc.clock.now = new Date(Date.parse(g.expiresAt) + DAY);
    expect((await read()).decision).toBe('permit');
    svc.clock.now = new Date(newEnd);
    expect((await read()).decision).toBe('deny');

    const event = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'grant-extend'`);
    expect(event.rows.map((e) => JSON.parse(e.body))).toEqual([expect.objectContaining({
      actor: expect.objectContaining({ user: 'sg1', role: 'safeguarding-lead' }), child: NHS.teen, purpose: 'TREAT',
      details: expect.objectContaining({ grantId: g.id, grantee: 'user:sn1', previousExpiresAt: g.expiresAt, expiresAt: newEnd, reason: MORE }),
    })]);
    const alerts = await svc.services.store.query<{ kind: string; recipients: string[]; payload: Record<string, unknown> }>('select kind, recipients, payload from alerts where ref = $1 order by created_at, kind', [g.id]);
    expect(alerts.rows.map((a) => a.kind)).toEqual(['grant', 'grant-extend']);
    expect(alerts.rows[1]).toMatchObject({ recipients: ['role:ig-officer', 'team:SG-OX'], payload: { extendedBy: 'sg1', previousExpiresAt: g.expiresAt, expiresAt: newEnd } });
    // IG sees the extension among the alerts.
    const listed = await svc.http.get('/v1/alerts').query({ kind: 'grant-extend' }).set('Authorization', bearer(svc, users.ig));
    expect(listed.status).toBe(200);
  });

  it('sets the end to until, up to exactly the policy maximum from now, never beyond, never earlier', async () => {
    const max = svc.services.policy.current.parameters.grants.maxDays;
    const g = await grant();
    expect((await extend(g.id, { until: inDays(10) })).body.expiresAt).toBe(inDays(10));
    const before = await counts(svc);
    const cases: [Record<string, unknown>, string][] = [
      [{ until: new Date(Date.parse(inDays(max)) + 1000).toISOString() }, 'body.until'],
      [{ days: max }, 'body.days'],
      [{ until: inDays(9) }, 'body.until'],
      [{ until: inDays(10) }, 'body.until'],
      [{ until: 'next week' }, 'body.until'],
      [{ days: 0 }, 'body.days'],
      [{ days: 1.5 }, 'body.days'],
      [{ days: 2, until: inDays(12) }, 'body.until'],
      [{}, 'body.until'],
      [{ days: 2, reason: 'x' }, 'body.reason'],
      [{ days: 2, reason: undefined }, 'body.reason'],
      [{ days: 2, sections: ['confidential'] }, 'body.sections'],
    ];
    for (const [body, field] of cases) {
      const r = await extend(g.id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect(await counts(svc)).toEqual(before);
    expect((await extend(g.id, { until: inDays(max) })).body.expiresAt).toBe(inDays(max));
  });

  it('lets only a lead of the child\'s area extend (403), a live grant only (409 revoked or expired), a grant that exists (404); nothing changes', async () => {
    await feedSecondArea(svc);
    const g = await grant();
    const before = await counts(svc);
    expect((await extend(g.id, { days: 1 }, lead2)).status).toBe(403);
    for (const user of [users.hv, users.ig, users.clerk]) expect((await extend(g.id, { days: 1 }, user)).status, user.id).toBe(403);
    expect((await extend('00000000-0000-4000-8000-000000000000', { days: 1 })).status).toBe(404);
    expect((await extend('not-a-grant', { days: 1 })).status).toBe(400);
    expect(await counts(svc)).toEqual(before);

    svc.clock.now = new Date(Date.parse(g.expiresAt));
    const expired = await extend(g.id, { days: 1 });
    expect(expired.status).toBe(409);
    expect(expired.body.detail).toMatch(/expired/);
    svc.clock.now = start;
    expect((await svc.http.delete(`/v1/grants/${g.id}`).set('Authorization', bearer(svc, users.lead)).send({ reason: 'Enquiry closed' })).status).toBe(200);
    const after = await counts(svc);
    const revoked = await extend(g.id, { days: 1 });
    expect(revoked.status).toBe(409);
    expect(revoked.body.detail).toMatch(/revoked/);
    expect(await counts(svc)).toEqual(after);
    const { rows } = await svc.services.store.query<{ expires_at: Date }>('select expires_at from grants where id = $1', [g.id]);
    expect(new Date(rows[0].expires_at).toISOString()).toBe(g.expiresAt);
  });

  it('refuses a lead extending a grant to herself (separation of duties, like granting it): 403, audited', async () => {
    await svc.http.put('/v1/users/sg3').set('Authorization', `Bearer ${svc.adminToken()}`).send({ name: 'Lead three', orgCode: 'RNU', teams: ['SG-OX'] }).expect(201);
    const sg3: TestUser = { id: 'sg3', org: 'RNU', roleCode: 'S8000:G8000:R8003', workgroups: ['SG-OX'] };
    const g = await grant({ grantee: 'user:sg3' });
    const r = await extend(g.id, { days: 1 }, sg3);
    expect(r.status).toBe(403);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'grant-extend' and actor = 'sg3'`);
    expect(rows.map((e) => JSON.parse(e.body))).toEqual([expect.objectContaining({ decision: 'deny', details: expect.objectContaining({ grantId: g.id, reason: 'SELF_GRANT' }) })]);
    expect((await extend(g.id, { days: 1 })).status).toBe(200);
  });

  it('commits the new end with its audit event and alert, or nothing (503)', async () => {
    const g = await grant();
    const before = await counts(svc);
    expect((await failingAudit(svc, () => extend(g.id, { days: 1 }))).status).toBe(503);
    expect(await counts(svc)).toEqual(before);
    const { rows } = await svc.services.store.query<{ expires_at: Date }>('select expires_at from grants where id = $1', [g.id]);
    expect(new Date(rows[0].expires_at).toISOString()).toBe(g.expiresAt);
  });
});

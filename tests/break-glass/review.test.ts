/** IG review of break-glass: the queue with overdue flags and read counts, one review each, and per-user rates. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { bearer, counts, er } from '../grants/world.ts';

const DAY = 86_400_000;
const REASON = 'Child collapsed in clinic, parent unable to give history';

describe.each(storeKinds)('break-glass review ($name)', (kind) => {
  let svc: TestService;
  let start: Date;
  useFixtureService(kind, (s, t) => ([svc, start] = [s, t]));

  const declare = async (user: TestUser, child: string = NHS.toddler) => {
    const r = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, user)).send({ child, reasonCode: 'EMERGENCY_TREATMENT', reason: REASON });
    expect(r.status).toBe(201);
    return r.body as { id: string; consistencyToken: string };
  };
  const queue = (query: Record<string, string> = {}, user: TestUser = users.ig) =>
    svc.http.get('/v1/break-glass').query(query).set('Authorization', bearer(svc, user));
  const review = (id: string, body: Record<string, unknown>, user: TestUser = users.ig) =>
    svc.http.post(`/v1/break-glass/${id}/review`).set('Authorization', bearer(svc, user)).send(body);

  it('lists break-glass pending review with the number of reads made under each, and flags overdue ones', async () => {
    const user = er('rv-a');
    const bg = await declare(user);
    const read = (sections: string[]) => svc.http.post('/v1/authorise').set('Authorization', bearer(svc, user))
      .send({ child: NHS.toddler, sections, action: 'read', purposeOfUse: 'BTG', breakGlassId: bg.id });
    await read(['immunisations', 'screening']);
    await read(['confidential']); // beyond the clinician's role limits: a decision, not a read

    const r = await queue({ status: 'pending-review' });
    expect(r.status).toBe(200);
    const item = r.body.breakGlass.find((b: { id: string }) => b.id === bg.id);
    expect(item).toMatchObject({
      user: 'rv-a', role: 'clinician', org: 'RTH', child: NHS.toddler, childKnown: true, reasonCode: 'EMERGENCY_TREATMENT', reason: REASON,
      status: 'pending-review', overdue: false, reads: 2, decisions: 3, review: null,
    });
    const days = svc.services.policy.current.parameters.breakGlass.reviewOverdueDays;
    svc.clock.now = new Date(start.getTime() + (days + 1) * DAY);
    const later = await queue({ status: 'pending-review' });
    expect(later.body.breakGlass.find((b: { id: string }) => b.id === bg.id).overdue).toBe(true);

    const window = await queue({ from: new Date(start.getTime() + 1000).toISOString() });
    expect(window.body.breakGlass.map((b: { id: string }) => b.id)).not.toContain(bg.id);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = 'ig1'`);
    expect(rows.map((x) => JSON.parse(x.body).details.query)).toContain('break-glass');
  });

  it('records one review per break-glass, itself an audit event; a second is 409', async () => {
    const bg = await declare(er('rv-b'));
    const r = await review(bg.id, { outcome: 'inappropriate', notes: 'No emergency recorded in the ED notes' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: bg.id, status: 'reviewed', review: { outcome: 'inappropriate', reviewedBy: 'ig1' } });
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'break-glass-review' and actor = 'ig1'`);
    expect(rows.map((x) => JSON.parse(x.body).details)).toContainEqual(expect.objectContaining({ breakGlassId: bg.id, outcome: 'inappropriate', user: 'rv-b' }));

    const before = await counts(svc);
    const again = await review(bg.id, { outcome: 'appropriate', notes: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/problem\+json/);
    expect(await counts(svc)).toEqual(before);
    const reviewed = await queue({ status: 'reviewed' });
    expect(reviewed.body.breakGlass.find((b: { id: string }) => b.id === bg.id).review.outcome).toBe('inappropriate');
    const pending = await queue({ status: 'pending-review' });
    expect(pending.body.breakGlass.map((b: { id: string }) => b.id)).not.toContain(bg.id);
  });

  it('refuses reviews by anyone but IG, bad outcomes and unknown ids, writing nothing', async () => {
    const bg = await declare(er('rv-c'));
    const before = await counts(svc);
    const cases: [string, Record<string, unknown>, TestUser, number, string?][] = [
      [bg.id, { outcome: 'appropriate', notes: 'fine' }, users.lead, 403],
      [bg.id, { outcome: 'appropriate', notes: 'fine' }, er('rv-c'), 403],
      [bg.id, { outcome: 'appropriate', notes: 'fine' }, users.clerk, 403],
      [bg.id, { outcome: 'great', notes: 'fine' }, users.ig, 400, 'body.outcome'],
      [bg.id, { outcome: 'appropriate' }, users.ig, 400, 'body.notes'],
      [bg.id, { outcome: 'appropriate', notes: '  ' }, users.ig, 400, 'body.notes'],
      ['not-a-uuid', { outcome: 'appropriate', notes: 'fine' }, users.ig, 400, 'path.id'],
      ['00000000-0000-4000-8000-000000000000', { outcome: 'appropriate', notes: 'fine' }, users.ig, 404],
    ];
    for (const [id, body, user, status, field] of cases) {
      const r = await review(id, body, user);
      expect(r.status, `${user.id} ${JSON.stringify(body)}`).toBe(status);
      if (field) expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await queue({}, users.clerk)).status).toBe(403);
    expect((await svc.http.get('/v1/break-glass/stats').set('Authorization', bearer(svc, users.hv))).status).toBe(403);
    expect(await counts(svc)).toEqual(before);
  });

  it('reports per-user and per-organisation counts, rates per 30 days and inappropriate uses', async () => {
    const user = er('rv-d');
    const ids = [await declare(user), await declare(user, NHS.teen), await declare(user, NHS.sealed)].map((b) => b.id);
    await review(ids[0], { outcome: 'inappropriate', notes: 'no emergency' });
    await review(ids[1], { outcome: 'appropriate', notes: 'genuine emergency' });
    const from = new Date(start.getTime() - 15 * DAY).toISOString();
    const to = new Date(start.getTime() + 15 * DAY).toISOString();
    const r = await svc.http.get('/v1/break-glass/stats').query({ from, to }).set('Authorization', bearer(svc, users.ig));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ from, to, days: 30 });
    const mine = r.body.users.find((u: { user: string }) => u.user === 'rv-d');
    expect(mine).toEqual({
      user: 'rv-d', org: 'RTH', roles: ['clinician'], count: 3, perThirtyDays: 3, reviewed: 2, inappropriate: 1, followUp: 0,
      pending: 1, flagged: 2, inappropriateRate: 0.5,
    });
    const rth = r.body.organisations.find((o: { org: string }) => o.org === 'RTH');
    expect(rth.count).toBe(r.body.users.filter((u: { org: string }) => u.org === 'RTH').reduce((n: number, u: { count: number }) => n + u.count, 0));
    expect(rth.users).toBeGreaterThanOrEqual(1);
    expect(r.body.total).toBe(r.body.organisations.reduce((n: number, o: { count: number }) => n + o.count, 0));

    const empty = await svc.http.get('/v1/break-glass/stats').query({ from: to, to: new Date(start.getTime() + 45 * DAY).toISOString() }).set('Authorization', bearer(svc, users.ig));
    expect(empty.body).toMatchObject({ total: 0, users: [], organisations: [] });
    const bad = await svc.http.get('/v1/break-glass/stats').query({ from: to, to: from }).set('Authorization', bearer(svc, users.ig));
    expect(bad.status).toBe(400);
  });
});

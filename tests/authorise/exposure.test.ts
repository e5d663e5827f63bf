/** IG exposure reports: who can see a child now, how far a user reaches; both audited, IG only. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';

describe.each(storeKinds)('exposure and reach ($name)', (kind) => {
  let svc: TestService;
  let ig: string;
  useFixtureService(kind, (s) => {
    svc = s;
    ig = `Bearer ${svc.tokenFor(users.ig)}`;
  });

  it('lists who can read each section of a child, by the same rules as authorise', async () => {
    const r = await svc.http.get(`/v1/children/${NHS.teen}/exposure`).set('Authorization', ig);
    expect(r.status).toBe(200);
    const names = (s: string) => r.body.sections[s].users.map((u: { user: string }) => u.user);
    // The teen is at a school SN-NORTH covers and registered at K84001.
    expect(names('school-nursing')).toEqual(['gp1', 'sn1']);
    expect(names('confidential')).toEqual(['gp1', 'sn1']);
    expect(names('health-visiting')).toEqual(['gp1']);
    expect(names('safeguarding')).toEqual([]);
    expect(r.body.sections['school-nursing'].byBasis).toEqual({ 'gp-registration': 1, 'school-enrolment': 1 });
    expect(r.body.totalUsers).toBe(2);
  });

  it('shows a sealed child readable by nobody without an override', async () => {
    const r = await svc.http.get(`/v1/children/${NHS.sealed}/exposure`).set('Authorization', ig);
    expect(r.body.totalUsers).toBe(0);
  });

  it('counts the children a user can reach, by basis', async () => {
    const r = await svc.http.get('/v1/users/hv1/reach').set('Authorization', ig);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: 'hv1', role: 'health-visitor', byBasis: { caseload: 3 }, children: 3 });
    const gp = await svc.http.get('/v1/users/gp1/reach').set('Authorization', ig);
    expect(gp.body.byBasis['gp-registration']).toBe(5);
    expect((await svc.http.get('/v1/users/nobody/reach').set('Authorization', ig)).status).toBe(404);
  });

  it('audits every exposure query, and refuses non-IG roles', async () => {
    const r = await svc.http.get(`/v1/children/${NHS.toddler}/exposure`).set('Authorization', ig);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where request_id = $1`, [r.headers['x-request-id']]);
    expect(JSON.parse(rows[0].body)).toMatchObject({ kind: 'audit-query', child: NHS.toddler, actor: { user: 'ig1' }, details: { query: 'exposure' } });
    expect((await svc.http.get(`/v1/children/${NHS.toddler}/exposure`).set('Authorization', `Bearer ${svc.tokenFor(users.lead)}`)).status).toBe(403);
  });
});

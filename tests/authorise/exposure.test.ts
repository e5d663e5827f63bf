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

  /** How many fixture children authorise permits this user some section of (TREAT). */
  async function permittedChildren(user: (typeof users)[keyof typeof users], sections: string[]): Promise<number> {
    const token = `Bearer ${svc.tokenFor(user)}`;
    let permitted = 0;
    for (const child of Object.values(NHS)) {
      const a = await svc.http.post('/v1/authorise').set('Authorization', token).send({ child, sections, action: 'read', purposeOfUse: 'TREAT' });
      if (a.body.decisions.some((d: { decision: string }) => d.decision === 'permit')) permitted++;
    }
    return permitted;
  }

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

  it('counts the children a user can reach, by basis: only those authorise would permit', async () => {
    const r = await svc.http.get('/v1/users/hv1/reach').set('Authorization', ig);
    expect(r.status).toBe(200);
    // Three children are on HV-BANBURY's caseload, but one is sealed: related, not reached.
    expect(r.body).toMatchObject({ user: 'hv1', role: 'health-visitor', byBasis: { caseload: 2 }, children: 2, relatedChildren: 3 });
    expect(await permittedChildren(users.hv, ['demographics', 'immunisations', 'screening', 'health-visiting', 'safeguarding'])).toBe(2);
    const gp = await svc.http.get('/v1/users/gp1/reach').set('Authorization', ig);
    // Five children are registered at K84001; the sealed one is not readable by a GP.
    expect(gp.body).toMatchObject({ children: 4, relatedChildren: 5, byBasis: { 'gp-registration': 4 } });
    expect(await permittedChildren(users.gp, ['demographics', 'immunisations', 'screening', 'health-visiting', 'school-nursing', 'safeguarding', 'confidential'])).toBe(4);
    expect((await svc.http.get('/v1/users/nobody/reach').set('Authorization', ig)).status).toBe(404);
  });

  it('audits every exposure query, and refuses non-IG roles', async () => {
    const r = await svc.http.get(`/v1/children/${NHS.toddler}/exposure`).set('Authorization', ig);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where request_id = $1`, [r.headers['x-request-id']]);
    expect(JSON.parse(rows[0].body)).toMatchObject({ kind: 'audit-query', child: NHS.toddler, actor: { user: 'ig1' }, details: { query: 'exposure' } });
    expect((await svc.http.get(`/v1/children/${NHS.toddler}/exposure`).set('Authorization', `Bearer ${svc.tokenFor(users.lead)}`)).status).toBe(403);
  });
});

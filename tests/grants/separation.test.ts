/** Issue 11 #6, #7 and #3: separation of duties as policy data, and dates refused before they reach SQL. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { parametersSchema } from '../../src/policy/policy.ts';
import { bearer, counts } from './world.ts';

const DAY = 86_400_000;
const REASON = 'Section 47 enquiry opened by the county';
const BG_REASON = 'Child collapsed in clinic, parent unable to give history';

describe('separation of duties in the policy parameters', () => {
  it('is validated, and absent means every self-approval is refused', () => {
    const base = { archiveAfterAge: 20, relationshipGraceDays: {}, handoverDays: 1, selfClaimHours: 1,
      breakGlass: { maxMinutes: 1, defaultMinutes: 1, reviewOverdueDays: 1, minReasonLength: 1, reasonCodes: ['OTHER'] },
      grants: { maxDays: 1, minReasonLength: 1 }, restrictedDemographicsRedact: [], overrideNeedsActivity: [], sectionsDeniedWhenSealed: [] };
    expect(parametersSchema.parse(base).separationOfDuties).toEqual({ selfReview: false, selfGrant: false, grantToOwnTeam: false });
    expect(parametersSchema.safeParse({ ...base, separationOfDuties: { selfReview: 'no', selfGrant: false, grantToOwnTeam: false } }).success).toBe(false);
  });
});

describe.each(storeKinds)('separation of duties ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));
  const admin = () => `Bearer ${svc.adminToken()}`;
  const grant = (by: TestUser, body: Record<string, unknown>) => svc.http.post('/v1/grants').set('Authorization', bearer(svc, by)).send({
    child: NHS.toddler, grantee: 'user:paed1', sections: ['screening'], purposeOfUse: 'TREAT', reason: REASON,
    expiresAt: new Date(svc.clock.now.getTime() + 7 * DAY).toISOString(), ...body,
  });
  const refusals = async (kind: string, actor: string) => (await svc.services.store.query<{ body: string }>(
    `select body from audit_events where kind = $1 and actor = $2 and decision = 'deny' order by seq`, [kind, actor])).rows.map((r) => JSON.parse(r.body));

  it('refuses a lead granting herself or a team she belongs to (by the feed or by her token), 403 and audited', async () => {
    // sg3 is fed in SG-OX and HV-SWINDON; her token names SG-OX and HV-BANBURY.
    await svc.http.put('/v1/users/sg3').set('Authorization', admin()).send({ name: 'Lead three', orgCode: 'RNU', teams: ['SG-OX', 'HV-SWINDON'] }).expect(201);
    const lead: TestUser = { id: 'sg3', org: 'RNU', roleCode: 'S8000:G8000:R8003', workgroups: ['SG-OX', 'HV-BANBURY'] };
    const before = await counts(svc);
    for (const grantee of ['user:sg3', 'team:SG-OX', 'team:HV-SWINDON', 'team:HV-BANBURY']) {
      const r = await grant(lead, { grantee, sections: ['health-visiting'] });
      expect(r.status, grantee).toBe(403);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
    }
    const after = await counts(svc);
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    expect((await refusals('grant', 'sg3')).map((e) => e.details.reason)).toEqual(['SELF_GRANT', 'GRANT_TO_OWN_TEAM', 'GRANT_TO_OWN_TEAM', 'GRANT_TO_OWN_TEAM']);
    // Another lead may grant the same team.
    expect((await grant(users.lead, { grantee: 'team:HV-SWINDON', sections: ['health-visiting'] })).status).toBe(201);
  });

  it('follows the policy data: with selfGrant allowed, the same request is granted', async () => {
    const sod = svc.services.policy.current.parameters.separationOfDuties;
    const r0 = await grant(users.lead, { grantee: 'user:sg1' });
    expect(r0.status).toBe(403);
    sod.selfGrant = true;
    try {
      expect((await grant(users.lead, { grantee: 'user:sg1' })).status).toBe(201);
    } finally {
      sod.selfGrant = false;
    }
  });

  it('refuses a review of one\'s own break-glass under another role, 403 and audited; another IG officer may review', async () => {
    const asGp: TestUser = { id: 'dual1', org: 'K84001', roleCode: 'S8000:G8000:R8000' };
    const asIg: TestUser = { id: 'dual1', org: 'RNU', roleCode: 'S8000:G8000:R0001', activities: [] };
    const bg = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, asGp)).send({ child: NHS.toddler, reasonCode: 'EMERGENCY_TREATMENT', reason: BG_REASON });
    expect(bg.status).toBe(201);
    const review = (user: TestUser) => svc.http.post(`/v1/break-glass/${bg.body.id}/review`).set('Authorization', bearer(svc, user)).send({ outcome: 'appropriate', notes: 'fine' });
    const self = await review(asIg);
    expect(self.status).toBe(403);
    expect(self.headers['content-type']).toMatch(/problem\+json/);
    expect(await refusals('break-glass-review', 'dual1')).toEqual([
      expect.objectContaining({ decision: 'deny', child: NHS.toddler, details: expect.objectContaining({ breakGlassId: bg.body.id, reason: 'SELF_REVIEW' }) }),
    ]);
    const other = await review(users.ig);
    expect(other.status).toBe(200);
    expect(other.body.review.reviewedBy).toBe('ig1');
  });

  it('refuses dates outside 1900..2100 with 400 naming the field on grants and the IG lists', async () => {
    const g = await grant(users.lead, { expiresAt: '0000-01-01T00:00:00Z' });
    expect(g.status).toBe(400);
    expect(g.body.errors.map((e: { field: string }) => e.field)).toContain('body.expiresAt');
    for (const path of ['/v1/break-glass', '/v1/break-glass/stats', '/v1/alerts']) {
      const r = await svc.http.get(path).query({ from: '0000-01-01T00:00:00Z' }).set('Authorization', bearer(svc, users.ig));
      expect(r.status, path).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field), path).toContain('query.from');
    }
  });
});

/** Self-claimed relationships: short, reasoned, alerted to IG at once, never revealing whether a child exists. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { bearer, counts, failingAudit } from './world.ts';

const REASON = 'Family moved from Swindon; transfer not yet on record';

describe.each(storeKinds)('self-claimed relationships ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  const claim = (user: TestUser, body: Record<string, unknown>) =>
    svc.http.post('/v1/relationships:self-claim').set('Authorization', bearer(svc, user)).send({ child: NHS.toddler, reason: REASON, ...body });
  const read = (atLeast?: string) => svc.http.post('/v1/authorise').set('Authorization', bearer(svc, users.hvOther))
    .send({ child: NHS.toddler, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT', ...(atLeast ? { atLeast } : {}) })
    .then((r) => r.body.decisions[0]);

  it('creates a self-claimed relationship for the caller alone, valid for the policy hours, alerted to IG', async () => {
    expect((await read()).decision).toBe('deny');
    const r = await claim(users.hvOther, {});
    expect(r.status).toBe(201);
    const hours = svc.services.policy.current.parameters.selfClaimHours;
    expect(r.body).toMatchObject({ child: NHS.toddler, subject: 'user:hv2', type: 'self-claimed', source: 'self-claim', endedAt: null });
    expect(Date.parse(r.body.validTo) - Date.parse(r.body.validFrom)).toBe(hours * 3_600_000);

    expect(await read(r.body.consistencyToken)).toMatchObject({ decision: 'permit', basis: [{ kind: 'relationship', type: 'self-claimed', via: 'user:hv2' }] });
    svc.clock.now = new Date(Date.parse(r.body.validTo) - 1000);
    expect((await read()).decision).toBe('permit');
    svc.clock.now = new Date(Date.parse(r.body.validTo));
    expect((await read()).decision).toBe('deny');

    const alert = await svc.services.store.query<{ kind: string; recipients: string[]; payload: Record<string, unknown> }>(
      'select kind, recipients, payload from alerts where ref = $1', [r.body.id]);
    expect(alert.rows).toEqual([expect.objectContaining({ kind: 'self-claim', recipients: ['role:ig-officer'] })]);
    expect(alert.rows[0].payload).toMatchObject({ user: 'hv2', reason: REASON, childKnown: true });
    const event = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'relationship' and actor = 'hv2'`);
    expect(JSON.parse(event.rows[0].body).details).toMatchObject({ change: 'start', selfClaimed: true, type: 'self-claimed', reason: REASON, id: r.body.id });
  });

  it('answers an unknown NHS number with the same 201, recording the precise fact for IG', async () => {
    const known = await claim(users.gp, { child: NHS.teen });
    const unknown = await claim(users.gp, { child: NHS.unknown });
    expect(unknown.status).toBe(201);
    expect(Object.keys(unknown.body).sort()).toEqual(Object.keys(known.body).sort());
    const alert = await svc.services.store.query<{ payload: Record<string, unknown> }>('select payload from alerts where ref = $1', [unknown.body.id]);
    expect(alert.rows[0].payload.childKnown).toBe(false);
  });

  it('answers alike for a plain unrelated, a sealed and an unknown child, so self-claim tells nothing of which exist', async () => {
    const gp: TestUser = { id: 'gp-probe', org: 'K84001', roleCode: 'S8000:G8000:R8000' };
    const answers = [];
    for (const child of [NHS.labelled, NHS.sealed, NHS.unknown]) {
      const r = await claim(gp, { child });
      answers.push({
        status: r.status,
        headers: Object.keys(r.headers).filter((h) => !['date', 'x-request-id', 'content-length', 'etag'].includes(h)).sort(),
        contentType: r.headers['content-type'],
        location: r.headers.location.replace(r.body.id, '<id>'),
        body: { ...r.body, id: '<id>', child: '<child>', consistencyToken: r.body.consistencyToken.replace(/\d+$/, 'n') },
      });
    }
    expect(answers[0].status).toBe(201);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('refuses roles without the capability and reasons too short, writing nothing', async () => {
    const before = await counts(svc);
    for (const user of [users.lead, users.clerk, users.ig]) expect((await claim(user, {})).status, user.id).toBe(403);
    for (const [body, field] of [[{ reason: undefined }, 'body.reason'], [{ reason: 'seen' }, 'body.reason'], [{ child: NHS.toddler.slice(1) }, 'body.child'], [{ validTo: 'x' }, 'body.validTo']] as const) {
      const r = await claim(users.hvOther, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect(await counts(svc)).toEqual(before);
  });

  it('commits the relationship, its audit event and its alert together, or none of them (503)', async () => {
    const before = await counts(svc);
    expect((await failingAudit(svc, () => claim(users.hvOther, {}))).status).toBe(503);
    expect(await counts(svc)).toEqual(before);
  });
});

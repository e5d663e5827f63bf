/** The alert inbox: every alert listed without any webhook, acknowledged once, audited, IG only. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { bearer, er } from '../grants/world.ts';

describe.each(storeKinds)('alert inbox ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  it('lists a break-glass alert with no webhook configured, acknowledges it once, and audits it', async () => {
    const declared = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, er('er-inbox')))
      .send({ child: NHS.toddler, reasonCode: 'EMERGENCY_TREATMENT', reason: 'Unconscious child brought to ED, no record yet' });
    expect(declared.status).toBe(201);
    const ig = `Bearer ${svc.tokenFor(users.ig)}`;
    const pending = await svc.http.get('/v1/alerts?state=pending&kind=break-glass').set('Authorization', ig);
    expect(pending.status).toBe(200);
    const alert = pending.body.alerts.find((a: { ref: string }) => a.ref === declared.body.id);
    expect(alert).toMatchObject({ kind: 'break-glass', state: 'pending', acknowledgedAt: null });

    const ack = await svc.http.post(`/v1/alerts/${alert.id}/acknowledge`).set('Authorization', ig).send({ note: 'Seen; review booked' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id: alert.id, state: 'acknowledged', acknowledgedBy: 'ig1', acknowledgeNote: 'Seen; review booked' });
    const again = await svc.http.post(`/v1/alerts/${alert.id}/acknowledge`).set('Authorization', ig).send({});
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/problem\+json/);

    const acknowledged = await svc.http.get('/v1/alerts?state=acknowledged').set('Authorization', ig);
    expect(acknowledged.body.alerts.map((a: { id: string }) => a.id)).toContain(alert.id);
    const stillPending = await svc.http.get('/v1/alerts?state=pending').set('Authorization', ig);
    expect(stillPending.body.alerts.map((a: { id: string }) => a.id)).not.toContain(alert.id);

    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'alert-acknowledge'`);
    expect(rows.map((r) => JSON.parse(r.body))).toEqual([expect.objectContaining({ actor: expect.objectContaining({ user: 'ig1' }), details: expect.objectContaining({ alertId: alert.id }) })]);
  });

  it('refuses unknown alerts, bad filters and other roles, changing nothing', async () => {
    const ig = `Bearer ${svc.tokenFor(users.ig)}`;
    expect((await svc.http.post('/v1/alerts/00000000-0000-4000-8000-000000000000/acknowledge').set('Authorization', ig).send({})).status).toBe(404);
    expect((await svc.http.get('/v1/alerts?state=maybe').set('Authorization', ig)).status).toBe(400);
    expect((await svc.http.get('/v1/alerts').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`)).status).toBe(403);
  });
});

/**
 * Alerts are never lost: committed with what they report, delivered by a worker started later (as
 * after a crash), signed, retried with backoff, dead-lettered, and never sent twice by two workers.
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';
import { AlertWorker } from '../../src/alerts/worker.ts';
import { bearer, er } from '../grants/world.ts';
import { startWebhook, waitFor, type Webhook } from './webhook.ts';

const SECRET = 'test-alert-secret-0123456789abcdef-xyz';

describe.each(storeKinds)('alert delivery ($name)', (kind) => {
  let svc: TestService;
  const hooks: Webhook[] = [];
  beforeAll(async () => {
    svc = await startTestService(kind, { NTK_ALERT_SECRET: SECRET });
    await feedFixture(svc);
  });
  afterEach(async () => {
    await Promise.all(hooks.splice(0).map((h) => h.close()));
    // Leave no alert pending for the next test's worker.
    await svc.services.store.query(`update alerts set status = 'dead' where status = 'pending'`);
  });
  afterAll(() => svc?.close());

  const webhook = async (respond?: (n: number) => number) => {
    const h = await startWebhook(respond);
    hooks.push(h);
    return h;
  };
  const breakGlass = async (user = er('al-a')) => {
    const r = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, user))
      .send({ child: NHS.toddler, reasonCode: 'SAFEGUARDING_EMERGENCY', reason: 'Child disclosed harm at A&E, parent absent' });
    expect(r.status).toBe(201);
    const { rows } = await svc.services.store.query<{ id: string }>('select id from alerts where ref = $1', [r.body.id]);
    return { breakGlassId: r.body.id as string, alertId: rows[0].id };
  };
  const alertRow = async (id: string) =>
    (await svc.services.store.query<{ status: string; attempts: number; last_error: string | null; delivered_to: string[] }>(
      'select status, attempts, last_error, delivered_to from alerts where id = $1', [id])).rows[0];
  const worker = (urls: string[], options = {}) =>
    new AlertWorker(svc.services, { webhooks: urls, secret: SECRET, baseDelayMs: 1000, maxAttempts: 3, ...options });

  it('delivers, signed, an alert committed while no worker ran, once a fresh worker starts', async () => {
    // The process that committed the break-glass has no worker (as if it died right after commit).
    const { breakGlassId, alertId } = await breakGlass();
    expect(await alertRow(alertId)).toMatchObject({ status: 'pending', attempts: 0 });

    const hook = await webhook();
    const fresh = new AlertWorker(svc.services, { webhooks: [hook.url], secret: SECRET, intervalMs: 50 }).start();
    try {
      await waitFor(async () => (await alertRow(alertId)).status === 'delivered');
    } finally {
      await fresh.stop();
    }
    const got = hook.received.filter((r) => r.headers['idempotency-key'] === alertId);
    expect(got).toHaveLength(1);
    const [delivery] = got;
    const expected = `sha256=${createHmac('sha256', SECRET).update(delivery.raw).digest('hex')}`;
    expect(delivery.headers['x-ntk-signature']).toBe(expected);
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.body).toMatchObject({
      id: alertId, kind: 'break-glass', child: NHS.toddler, ref: breakGlassId, recipients: ['role:ig-officer', 'team:SG-OX'],
      data: { breakGlassId, user: 'al-a', role: 'clinician', reasonCode: 'SAFEGUARDING_EMERGENCY', flagged: false },
    });
    // A body altered in transit no longer verifies.
    expect(`sha256=${createHmac('sha256', SECRET).update(delivery.raw.replace('al-a', 'al-b')).digest('hex')}`).not.toBe(expected);
    expect(await alertRow(alertId)).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
  });

  it('redelivers an alert whose worker died after claiming it, once the lease runs out', async () => {
    const hook = await webhook();
    const { alertId } = await breakGlass();
    const t0 = svc.clock.now.getTime();
    // A worker claimed it (attempt 1, leased for a minute) and died before recording the outcome.
    const lease = 60_000;
    await svc.services.store.query('update alerts set attempts = attempts + 1, next_attempt_at = $2 where id = $1', [alertId, new Date(t0 + lease).toISOString()]);
    const w = worker([hook.url], { leaseMs: lease });
    expect(await w.runOnce()).toBe(0);
    svc.clock.now = new Date(t0 + lease);
    expect(await w.runOnce()).toBe(1);
    svc.clock.now = new Date(t0);
    expect(await alertRow(alertId)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(hook.received.map((r) => r.headers['idempotency-key'])).toEqual([alertId]);
  });

  it('retries with backoff, the same signed body and key each time, then dead-letters after maxAttempts', async () => {
    const hook = await webhook(() => 500);
    const { alertId } = await breakGlass();
    const w = worker([hook.url]);
    const t0 = svc.clock.now.getTime();
    expect(await w.runOnce()).toBe(1);
    expect(await alertRow(alertId)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringContaining('HTTP 500') });
    expect(await w.runOnce()).toBe(0); // not due yet: backing off
    svc.clock.now = new Date(t0 + 1_300);
    expect(await w.runOnce()).toBe(1);
    svc.clock.now = new Date(t0 + 1_300 + 1_000);
    expect(await w.runOnce()).toBe(0); // the second delay is twice the first
    svc.clock.now = new Date(t0 + 1_300 + 2_500);
    expect(await w.runOnce()).toBe(1);
    expect(await alertRow(alertId)).toMatchObject({ status: 'dead', attempts: 3, last_error: expect.stringContaining('HTTP 500') });
    svc.clock.now = new Date(t0 + 3_600_000);
    expect(await w.runOnce()).toBe(0);
    svc.clock.now = new Date(t0);

    const sent = hook.received.filter((r) => r.headers['idempotency-key'] === alertId);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((s) => s.raw)).size).toBe(1);
    expect(new Set(sent.map((s) => s.headers['x-ntk-signature'])).size).toBe(1);
    expect(sent.map((s) => s.headers['x-ntk-delivery-attempt'])).toEqual(['1', '2', '3']);

    const dead = await svc.http.get('/v1/alerts').query({ status: 'dead' }).set('Authorization', bearer(svc, users.ig));
    expect(dead.status).toBe(200);
    expect(dead.body.alerts.find((a: { id: string }) => a.id === alertId)).toMatchObject({ status: 'dead', attempts: 3, kind: 'break-glass', webhooksAccepted: 0 });
  });

  it('recovers after failures, and resends only to the webhooks that have not yet accepted', async () => {
    const flaky = await webhook((n) => (n < 2 ? 503 : 200));
    const steady = await webhook();
    const { alertId } = await breakGlass();
    const w = worker([flaky.url, steady.url], { baseDelayMs: 1 });
    for (let i = 0; i < 3; i++) {
      svc.clock.now = new Date(svc.clock.now.getTime() + 10_000);
      await w.runOnce();
    }
    expect(await alertRow(alertId)).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
    expect(flaky.received).toHaveLength(3);
    expect(steady.received).toHaveLength(1);
  });

  it('records an unreachable webhook as a failure to retry', async () => {
    const gone = await webhook();
    const url = gone.url;
    await gone.close();
    const { alertId } = await breakGlass();
    await worker([url]).runOnce();
    expect(await alertRow(alertId)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
  });

  it('never sends an alert twice when two workers run at once', async () => {
    const hook = await webhook();
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push((await breakGlass(er(`al-w${i}`))).alertId);
    const a = worker([hook.url], { batchSize: 3 });
    const b = worker([hook.url], { batchSize: 3 });
    for (let round = 0; round < 5; round++) await Promise.all([a.runOnce(), b.runOnce()]);
    for (const id of ids) expect(hook.received.filter((r) => r.headers['idempotency-key'] === id), id).toHaveLength(1);
    for (const id of ids) expect((await alertRow(id)).status).toBe('delivered');
  });

  it('lists alerts for IG only, and audits the query', async () => {
    await breakGlass();
    const r = await svc.http.get('/v1/alerts').set('Authorization', bearer(svc, users.ig));
    expect(r.status).toBe(200);
    expect(r.body.alerts.length).toBeGreaterThan(0);
    // Webhook URLs may carry secrets: the listing names hosts in errors at most, never a URL.
    expect(JSON.stringify(r.body)).not.toMatch(/https?:\/\//);
    for (const user of [users.lead, users.hv, users.clerk]) {
      expect((await svc.http.get('/v1/alerts').set('Authorization', bearer(svc, user))).status).toBe(403);
    }
    expect((await svc.http.get('/v1/alerts').query({ status: 'lost' }).set('Authorization', bearer(svc, users.ig))).status).toBe(400);
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = 'ig1'`);
    expect(rows.map((x) => JSON.parse(x.body).details.query)).toContain('alerts');
  });
});

/**
 * /metrics tells an operator what to alert on: the alert outbox (pending, oldest age, failing, dead),
 * how long since the last signed checkpoint and what it has not signed yet, and monitoring lag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { NHS } from '../support/fixture.ts';
import { bearer, er } from '../grants/world.ts';
import { markFailed } from '../../src/store/tables/alerts.ts';

async function scrape(svc: TestService): Promise<Record<string, number>> {
  const r = await svc.http.get('/metrics');
  expect(r.status).toBe(200);
  const values: Record<string, number> = {};
  for (const line of r.text.split('\n')) {
    const m = /^(ntk_[a-z_]+) (\S+)$/.exec(line);
    if (m) values[m[1]] = Number(m[2]);
  }
  return values;
}

async function breakGlass(svc: TestService, user: string): Promise<string> {
  const r = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, er(user)))
    .send({ child: NHS.unknown, reasonCode: 'OTHER', reason: 'Testing what the operator sees in metrics' });
  expect(r.status).toBe(201);
  return r.body.id;
}

describe.each(storeKinds)('operations metrics ($name)', (kind) => {
  let svc: TestService;
  beforeAll(async () => {
    // No webhooks: alerts wait in the outbox, as they would with every webhook down.
    svc = await startTestService(kind);
    // Checkpoints only when the test asks, so what is signed does not depend on timing.
    await svc.services.checkpointer.stop();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('reports an empty outbox and monitoring lag', async () => {
    const before = await scrape(svc);
    expect(before).toMatchObject({ ntk_alerts_pending: 0, ntk_alerts_oldest_pending_seconds: 0, ntk_alerts_failing: 0, ntk_alerts_dead: 0 });
    expect(before).toHaveProperty('ntk_monitoring_lag_events');
    expect(before).toHaveProperty('ntk_monitoring_lag_seconds');
  });

  it('reports pending alerts, the age of the oldest, and failed and dead ones', async () => {
    const first = await breakGlass(svc, 'm-a');
    svc.clock.now = new Date(svc.clock.now.getTime() + 90_000);
    const second = await breakGlass(svc, 'm-b');
    svc.clock.now = new Date(svc.clock.now.getTime() + 30_000);
    const pending = await scrape(svc);
    expect(pending).toMatchObject({ ntk_alerts_pending: 2, ntk_alerts_failing: 0, ntk_alerts_dead: 0 });
    expect(pending.ntk_alerts_oldest_pending_seconds).toBeCloseTo(120, 0);

    // What the delivery worker records when a webhook refuses: one retried later, one given up on.
    const ids = await svc.services.store.query<{ id: string }>('select id from alerts where ref = any($1) order by created_at', [[first, second]]);
    await markFailed(svc.services.store, ids.rows[0].id, false, svc.clock.now, [], 'alerts.example: 500');
    await markFailed(svc.services.store, ids.rows[1].id, true, svc.clock.now, [], 'alerts.example: 500');
    expect(await scrape(svc)).toMatchObject({ ntk_alerts_pending: 1, ntk_alerts_failing: 1, ntk_alerts_dead: 1 });
  });

  it('reports the age of the newest signed checkpoint, and the events appended since', async () => {
    const checkpoint = await svc.services.checkpointer.checkpointNow();
    svc.clock.now = new Date(new Date(checkpoint.timestamp).getTime() + 45_000);
    const signed = await scrape(svc);
    expect(signed.ntk_checkpoint_age_seconds).toBeCloseTo(45, 0);
    expect(signed.ntk_audit_unsigned_events).toBe(0);

    await breakGlass(svc, 'm-c');
    expect((await scrape(svc)).ntk_audit_unsigned_events).toBeGreaterThan(0);
  });
});

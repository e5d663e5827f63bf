/** The service starts its delivery worker when NTK_ALERT_WEBHOOKS is set, and stops it on close. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { NHS } from '../support/fixture.ts';
import { bearer, er } from '../grants/world.ts';
import { startWebhook, waitFor, type Webhook } from './webhook.ts';

const SECRET = 'service-worker-test-secret-0123456789';

describe.each(storeKinds)('alert worker in the service ($name)', (kind) => {
  let svc: TestService;
  let hook: Webhook;
  beforeAll(async () => {
    hook = await startWebhook();
    svc = await startTestService(kind, { NTK_ALERT_WEBHOOKS: hook.url, NTK_ALERT_SECRET: SECRET });
  });
  afterAll(async () => {
    await svc?.close();
    await hook?.close();
  });

  it('delivers an alert soon after the break-glass commits, signed with NTK_ALERT_SECRET', async () => {
    // An unknown child: still 201, and still alerted (to IG only).
    const r = await svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, er('sw-a')))
      .send({ child: NHS.unknown, reasonCode: 'OTHER', reason: 'Testing the delivery worker end to end' });
    expect(r.status).toBe(201);
    await waitFor(() => hook.received.some((x) => (x.body as { ref?: string }).ref === r.body.id));
    const got = hook.received.find((x) => (x.body as { ref?: string }).ref === r.body.id)!;
    expect(got.headers['x-ntk-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(got.raw).digest('hex')}`);
    expect(got.body).toMatchObject({ kind: 'break-glass', child: NHS.unknown, recipients: ['role:ig-officer'], data: { childKnown: false } });
    await waitFor(async () => (await svc.services.store.query<{ status: string }>('select status from alerts where ref = $1', [r.body.id])).rows[0].status === 'delivered');
  });
});

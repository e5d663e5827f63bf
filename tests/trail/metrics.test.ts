/** The audit log's own counters reach /metrics: a decision moves the appended events and batches. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';

/** The value of an unlabelled counter in a Prometheus text exposition (undefined when absent). */
function counter(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.each(storeKinds)('audit metrics ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  it('exports the events and batches the audit log appended, and they move with a decision', async () => {
    const scrape = async () => (await svc.http.get('/metrics').expect(200)).text;
    const before = await scrape();
    const events = counter(before, 'ntk_audit_appended_events_total');
    const batches = counter(before, 'ntk_audit_appended_batches_total');
    // The fixture's feeds and the start-up policy event were appended already.
    expect(events).toBeGreaterThan(0);
    expect(batches).toBeGreaterThan(0);

    await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`)
      .send({ child: NHS.toddler, sections: ['immunisations', 'health-visiting'], action: 'read', purposeOfUse: 'TREAT' }).expect(200);

    const after = await scrape();
    expect(counter(after, 'ntk_audit_appended_events_total')).toBe(events! + 2);
    expect(counter(after, 'ntk_audit_appended_batches_total')).toBeGreaterThan(batches!);
  });
});

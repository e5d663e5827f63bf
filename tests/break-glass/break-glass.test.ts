/** Break-glass through the HTTP API: declare, read under it, expiry by the server clock, alerts, refusals that leave nothing behind. */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import { bearer, counts, er, failingAudit } from '../grants/world.ts';

const REASON = 'Unconscious child brought to ED, no record of relationship yet';

describe.each(storeKinds)('break-glass ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  const declare = (user: TestUser, body: Record<string, unknown>) =>
    svc.http.post('/v1/break-glass').set('Authorization', bearer(svc, user)).send({ child: NHS.toddler, reasonCode: 'EMERGENCY_TREATMENT', reason: REASON, ...body });
  const authorise = (user: TestUser, body: Record<string, unknown>) =>
    svc.http.post('/v1/authorise').set('Authorization', bearer(svc, user)).send({ action: 'read', child: NHS.toddler, sections: ['immunisations'], ...body });

  it('declares a break-glass that permits reads under BTG, flagged with a banner, audited and alerted', async () => {
    const user = er('er-a');
    const before = await authorise(user, { purposeOfUse: 'TREAT' });
    expect(before.body.decisions[0].decision).toBe('deny');

    const r = await declare(user, { durationMinutes: 30 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ child: NHS.toddler, reasonCode: 'EMERGENCY_TREATMENT', durationMinutes: 30, flagged: false, priorUnreviewed: 0 });
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.consistencyToken).toMatch(/^ct1\.\d+$/);
    expect(Date.parse(r.body.expiresAt) - svc.clock.now.getTime()).toBe(30 * 60_000);

    const read = await authorise(user, { purposeOfUse: 'BTG', breakGlassId: r.body.id, sections: ['immunisations', 'safeguarding'], atLeast: r.body.consistencyToken });
    for (const d of read.body.decisions) {
      expect(d).toMatchObject({ decision: 'permit', basis: [{ kind: 'break-glass', breakGlassId: r.body.id }], obligations: ['break-glass-banner'] });
    }
    // Someone else cannot use it, nor can it open another child.
    expect((await authorise(er('er-b'), { purposeOfUse: 'BTG', breakGlassId: r.body.id })).body.decisions[0].decision).toBe('deny');
    expect((await authorise(user, { purposeOfUse: 'BTG', breakGlassId: r.body.id, child: NHS.teen })).body.decisions[0].decision).toBe('deny');

    const { rows: events } = await svc.services.store.query<{ body: string; break_glass: boolean }>(
      `select body, break_glass from audit_events where kind = 'break-glass' and actor = 'er-a'`);
    expect(events).toHaveLength(1);
    expect(events[0].break_glass).toBe(true);
    expect(JSON.parse(events[0].body)).toMatchObject({
      kind: 'break-glass', child: NHS.toddler, purpose: 'BTG', breakGlass: true, actor: { user: 'er-a', role: 'clinician', org: 'RTH' },
      details: { breakGlassId: r.body.id, reasonCode: 'EMERGENCY_TREATMENT', reason: REASON, durationMinutes: 30, childKnown: true },
    });
    const { rows: alerts } = await svc.services.store.query<{ kind: string; recipients: string[]; status: string; payload: Record<string, unknown> }>(
      'select kind, recipients, status, payload from alerts where ref = $1', [r.body.id]);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'break-glass', recipients: ['role:ig-officer', 'team:SG-OX'], status: 'pending' })]);
    expect(alerts[0].payload).toMatchObject({ breakGlassId: r.body.id, user: 'er-a', reasonCode: 'EMERGENCY_TREATMENT', flagged: false });
  });

  it('uses the policy default duration, and stops permitting at expiresAt by the server clock', async () => {
    const user = er('er-c');
    const r = await declare(user, {});
    expect(r.status).toBe(201);
    expect(r.body.durationMinutes).toBe(svc.services.policy.current.parameters.breakGlass.defaultMinutes);
    const expires = Date.parse(r.body.expiresAt);
    const read = () => authorise(user, { purposeOfUse: 'BTG', breakGlassId: r.body.id }).then((x) => x.body.decisions[0].decision);
    svc.clock.now = new Date(expires - 1000);
    expect(await read()).toBe('permit');
    svc.clock.now = new Date(expires);
    expect(await read()).toBe('deny');
    svc.clock.now = new Date(expires + 1000);
    expect(await read()).toBe('deny');
  });

  it('answers an unknown NHS number exactly like a known one, and audits the precise fact', async () => {
    const known = await declare(er('er-d'), {});
    const unknown = await declare(er('er-e'), { child: NHS.unknown });
    expect(unknown.status).toBe(201);
    const shape = (b: Record<string, unknown>) => Object.keys(b).sort();
    expect(shape(unknown.body)).toEqual(shape(known.body));
    expect(unknown.body).toMatchObject({ child: NHS.unknown, flagged: false, durationMinutes: known.body.durationMinutes });
    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'break-glass' and actor = 'er-e'`);
    expect(JSON.parse(rows[0].body).details.childKnown).toBe(false);
    const alert = await svc.services.store.query<{ recipients: string[] }>('select recipients from alerts where ref = $1', [unknown.body.id]);
    expect(alert.rows[0].recipients).toEqual(['role:ig-officer']);
  });

  it('flags a further break-glass by a user who still has one unreviewed, on the record and in the alert', async () => {
    const user = er('er-f');
    const first = await declare(user, {});
    const second = await declare(user, { child: NHS.teen, reasonCode: 'UNCONSCIOUS_PATIENT' });
    expect(first.body.flagged).toBe(false);
    expect(second.body).toMatchObject({ flagged: true, priorUnreviewed: 1 });
    const alert = await svc.services.store.query<{ payload: Record<string, unknown> }>('select payload from alerts where ref = $1', [second.body.id]);
    expect(alert.rows[0].payload).toMatchObject({ flagged: true, priorUnreviewed: 1 });
  });

  it('refuses bad requests with a clear 4xx and leaves no row, audit event or alert behind', async () => {
    const before = await counts(svc);
    const cases: [TestUser, Record<string, unknown>, number, string?][] = [
      [users.clerk, {}, 403],
      [users.ig, {}, 403],
      [er('er-g'), { reason: undefined }, 400, 'body.reason'],
      [er('er-g'), { reason: 'emergency' }, 400, 'body.reason'],
      [er('er-g'), { reason: '                              ' }, 400, 'body.reason'],
      [er('er-g'), { reasonCode: 'BORED' }, 400, 'body.reasonCode'],
      [er('er-g'), { reasonCode: undefined }, 400, 'body.reasonCode'],
      [er('er-g'), { durationMinutes: 241 }, 400, 'body.durationMinutes'],
      [er('er-g'), { durationMinutes: 0 }, 400, 'body.durationMinutes'],
      [er('er-g'), { child: [NHS.toddler, NHS.teen] }, 400, 'body.child'],
      [er('er-g'), { children: [NHS.teen] }, 400, 'body.children'],
      [er('er-g'), { child: '9434765918' }, 400, 'body.child'],
    ];
    for (const [user, body, status, field] of cases) {
      const r = await declare(user, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      if (field) expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    const tooShort = await declare(er('er-g'), { reason: 'short', durationMinutes: 999 });
    expect(tooShort.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.durationMinutes', 'body.reason']);
    expect(await counts(svc)).toEqual(before);
  });

  it('commits the break-glass, its audit event and its alert together, or none of them (503)', async () => {
    const before = await counts(svc);
    const r = await failingAudit(svc, () => declare(er('er-h'), {}));
    expect(r.status).toBe(503);
    expect(await counts(svc)).toEqual(before);
  });
});

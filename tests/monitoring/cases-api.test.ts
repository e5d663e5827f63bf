/**
 * Privacy monitoring through the HTTP API: reads through /v1/authorise, one explicit monitoring round
 * (runOnce, never a sleep), and the cases IG officers and safeguarding leads then see and work.
 */
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';
import type { TestService, TestUser } from '../support/app.ts';
import { MonitoringRunner } from '../../src/monitoring/runner.ts';
import { loadMonitoringPolicy, type MonitoringPolicy } from '../../src/monitoring/policy.ts';

/** The shipped thresholds, but a volume spike is 4 children (the fixture has five) and every hour is a working hour (tests run at any time). */
const base = loadMonitoringPolicy();
const policy: MonitoringPolicy = {
  ...base,
  volume: { ...base.volume, minChildren: 3, withoutBaseline: 3 },
  'out-of-hours': { ...base['out-of-hours'], hours: { default: 'always' } },
};
const gp2 = { id: 'gp2', org: 'K84001', roleCode: 'S8000:G8000:R8000' } satisfies TestUser;
const ig2 = { id: 'ig2', org: 'RNU', roleCode: 'S8000:G8000:R0001', activities: [] } satisfies TestUser;

describe.each(storeKinds)('privacy monitoring cases ($name)', (kind) => {
  let svc: TestService;
  let runner: MonitoringRunner;
  useFixtureService(kind, (s) => (svc = s));

  const bearer = (u: TestUser) => `Bearer ${svc.tokenFor(u)}`;
  const read = async (u: TestUser, child: string, sections = ['demographics']) => {
    const r = await svc.http.post('/v1/authorise').set('Authorization', bearer(u)).send({ child, sections, action: 'read', purposeOfUse: 'TREAT' });
    expect(r.status).toBe(200);
    return r.body as { decisions: { decision: string; auditId: string }[] };
  };
  const feedUser = async (u: TestUser, extra: Record<string, string>) => {
    const r = await svc.http.put(`/v1/users/${u.id}`).set('Authorization', `Bearer ${svc.adminToken()}`)
      .send({ name: `User ${u.id}`, orgCode: u.org, teams: u.workgroups ?? [], ...extra });
    expect(r.status).toBeLessThan(300);
  };
  const feedChild = async (nhs: string, body: Record<string, unknown>) => {
    const r = await svc.http.put(`/v1/children/${nhs}`).set('Authorization', `Bearer ${svc.adminToken()}`).send(body);
    expect(r.status).toBeLessThan(300);
  };
  const cases = async (query: Record<string, string> = {}, as: TestUser = users.ig) => {
    const r = await svc.http.get('/v1/monitoring/cases').query(query).set('Authorization', bearer(as));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.cases as { id: string; rule: string; user: string; child: string | null; explanation: string; evidence: string[]; status: string; severity: string }[];
  };
  const round = async () => {
    await runner.drain();
  };

  it('clean traffic opens no case', async () => {
    await svc.services.monitoring.stop();
    runner = new MonitoringRunner({ store: svc.services.store, trail: svc.services.audit, now: () => svc.clock.now }, policy);
    await read(users.hv, NHS.toddler, ['demographics', 'immunisations']);
    await read(users.gp, NHS.toddler);
    await read(users.sn, NHS.teen);
    await round();
    expect(await cases()).toEqual([]);
  });

  it('a household read opens one high-severity case, however the feeds spelt the name and postcode', async () => {
    await feedUser(users.hv, { familyName: "O'Neill-Smith", postcode: 'OX15 9ZZ' });
    const toddler = (await svc.http.get(`/v1/children/${NHS.toddler}`).set('Authorization', `Bearer ${svc.adminToken()}`)).body;
    await feedChild(NHS.toddler, { dateOfBirth: toddler.dateOfBirth ?? '2024-01-01', area: 'oxfordshire', gpPractice: 'K84001', familyName: 'oneill smith', postcode: 'ox159zz' });
    const first = await read(users.hv, NHS.toddler);
    await read(users.hv, NHS.toddler, ['immunisations']);
    await round();
    const found = await cases({ rule: 'household' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ user: 'hv1', child: NHS.toddler, severity: 'high', status: 'open' });
    expect(found[0].explanation).toMatch(/own household/);
    expect(found[0].evidence).toContain(first.decisions[0].auditId);
    expect(JSON.stringify(found)).not.toMatch(/neill|OX15|ox15/i);
    // The case is in the alert inbox too, for IG and the child's safeguarding team.
    const alerts = await svc.http.get('/v1/alerts?kind=monitoring&state=pending').set('Authorization', `Bearer ${svc.tokenFor(users.ig)}`);
    const alert = alerts.body.alerts.find((a: { ref: string }) => a.ref === found[0].id);
    expect(alert).toMatchObject({ kind: 'monitoring', child: NHS.toddler, data: { rule: 'household', severity: 'high', user: 'hv1' } });
    expect(alert.recipients).toContain('role:ig-officer');
    expect(alert.recipients.some((r: string) => r.startsWith('team:'))).toBe(true);
  });

  it('a neighbour read and a co-worker\'s-child read each open one case', async () => {
    const teen = { area: 'oxfordshire', gpPractice: 'K84001', school: '123456', dateOfBirth: new Date(Date.now() - 14.2 * 365.25 * 86_400_000).toISOString().slice(0, 10) };
    await feedChild(NHS.teen, { ...teen, familyName: 'Jones', postcode: 'OX16 5QQ' });
    await feedUser(users.hvOther, { familyName: 'JONES', postcode: 'ox16 5qq' });
    await feedUser(gp2, { familyName: 'Jones', postcode: 'OX16 5QQ' });
    await feedUser(users.gp, { familyName: 'Brown', postcode: 'OX165QQ' });
    await read(users.gp, NHS.teen, ['immunisations']);
    await read(users.sn, NHS.teen, ['school-nursing']);
    await round();
    const neighbour = await cases({ rule: 'neighbour' });
    expect(neighbour.map((c) => [c.user, c.child])).toEqual([['gp1', NHS.teen]]);
    expect(neighbour[0].explanation).toMatch(/same postcode/);
    const coworker = await cases({ rule: 'coworker-family' });
    // gp1 read a practice colleague's child on the practice list; sn1 read hv2's child on her team's school
    // roll, which is the team's caseload (direct care): no case.
    expect(coworker.map((c) => [c.user, c.child])).toEqual([['gp1', NHS.teen]]);
    expect(coworker[0].explanation).toMatch(/colleague gp2/);
  });

  it('a probe (refused for many children in minutes) opens one case', async () => {
    for (const child of [NHS.toddler, NHS.teen, NHS.sealed, NHS.restricted, NHS.labelled, NHS.unknown]) {
      const r = await read(users.paed, child);
      expect(r.decisions[0].decision).toBe('deny');
    }
    await round();
    const found = await cases({ rule: 'probing' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ user: 'paed1', child: null });
    expect(found[0].explanation).toMatch(/refused 5 different children's records within 15 minutes/);
  });

  it('a volume spike opens one case', async () => {
    await read(users.gp, NHS.restricted, ['immunisations']);
    await round();
    expect(await cases({ rule: 'volume' })).toEqual([]);
    await read(users.gp, NHS.labelled, ['immunisations']);
    await round();
    const found = await cases({ rule: 'volume' });
    expect(found).toHaveLength(1);
    expect(found[0].explanation).toMatch(/gp1 read 4 different children's records/);
  });

  it('a restarted runner continues from its cursor; a round that crashes before commit opens nothing, and is done again once', async () => {
    const before = (await cases()).length;
    await feedUser(users.gp, { familyName: 'Brown', postcode: 'OX15 9ZZ' });
    await read(users.gp, NHS.toddler, ['immunisations']);
    const { store, audit } = svc.services;
    const crashing = new MonitoringRunner({
      store: { transaction: (fn) => store.transaction(async (tx) => { await fn(tx); throw new Error('crash'); }) }, trail: audit, now: () => svc.clock.now,
    }, policy);
    await expect(crashing.runOnce({ wait: true })).rejects.toThrow('crash');
    expect(await cases()).toHaveLength(before);
    runner = new MonitoringRunner({ store, trail: audit, now: () => svc.clock.now }, policy);
    await round();
    await round();
    const after = await cases();
    expect(after.length).toBe(before + 1);
    expect(after.filter((c) => c.rule === 'neighbour').map((c) => [c.user, c.child])).toContainEqual(['gp1', NHS.toddler]);
    // A later read of the same child is evidence on the open case, not a second case.
    const later = await read(users.gp, NHS.toddler, ['demographics']);
    await round();
    const last = await cases();
    expect(last).toHaveLength(before + 1);
    expect(last.find((c) => c.rule === 'neighbour' && c.user === 'gp1' && c.child === NHS.toddler)!.evidence).toContain(later.decisions[0].auditId);
  });

  it('cases are listed with filters and pages; unknown filters and cursors are refused', async () => {
    const all = await cases();
    const page1 = await svc.http.get('/v1/monitoring/cases').query({ limit: 2 }).set('Authorization', bearer(users.ig));
    expect(page1.body.cases).toHaveLength(2);
    const page2 = await svc.http.get('/v1/monitoring/cases').query({ limit: 2, cursor: page1.body.nextCursor }).set('Authorization', bearer(users.ig));
    expect([...page1.body.cases, ...page2.body.cases].map((c: { id: string }) => c.id)).toEqual(all.slice(0, 4).map((c) => c.id));
    const bad = await svc.http.get('/v1/monitoring/cases').query({ colour: 'red' }).set('Authorization', bearer(users.ig));
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((await svc.http.get('/v1/monitoring/cases').query({ cursor: 'nonsense' }).set('Authorization', bearer(users.ig))).status).toBe(400);
    expect((await svc.http.get('/v1/monitoring/cases').set('Authorization', bearer(users.hv))).status).toBe(403);
  });

  it('a safeguarding lead sees the household cases of their area, not the others', async () => {
    const seen = await cases({}, users.lead);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((c) => c.rule))).toEqual(new Set(['household']));
  });

  it('a case is assigned to an IG officer, noted, closed once, reopened; every action (and the evidence added) is on the trail', async () => {
    // gp1's neighbour case about the toddler: the one a later read added evidence to.
    const [c] = await cases({ rule: 'neighbour', user: 'gp1', child: NHS.toddler });
    const post = (path: string, body: object, as: TestUser = users.ig) =>
      svc.http.post(`/v1/monitoring/cases/${c.id}/${path}`).set('Authorization', bearer(as)).send(body);
    const notIg = await post('assign', { assignee: 'hv1' });
    expect(notIg.status).toBe(400);
    expect(notIg.body.errors[0].field).toBe('body.assignee');
    await feedUser(ig2, {});
    await cases({}, ig2); // ig2 has now acted as an IG officer
    expect((await post('assign', { assignee: 'ig2' })).body).toMatchObject({ status: 'assigned', assignee: 'ig2' });
    expect((await post('notes', { text: 'Asked the GP practice manager.' })).status).toBe(200);
    expect((await post('close', { outcome: 'sideways' })).status).toBe(400);
    const closed = await post('close', { outcome: 'appropriate', notes: 'Registered patient seen that day.' });
    expect(closed.body).toMatchObject({ status: 'closed', outcome: 'appropriate' });
    expect(closed.body.notes.map((n: { text: string }) => n.text)).toEqual(['Asked the GP practice manager.', 'Registered patient seen that day.']);
    const again = await post('close', { outcome: 'inappropriate' });
    expect(again.status).toBe(409);
    expect((await post('reopen', {}, users.lead)).status).toBe(403);
    expect((await post('reopen', {})).body).toMatchObject({ status: 'assigned', outcome: null });
    const detail = await svc.http.get(`/v1/monitoring/cases/${c.id}`).set('Authorization', bearer(users.ig));
    expect(detail.body.proofs[0].href).toBe(`/v1/audit/events/${c.evidence[0]}`);
    const trail = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'monitoring-case' order by seq`, []);
    const actions = trail.rows.map((r) => JSON.parse(r.body).details).filter((d) => d.caseId === c.id).map((d) => d.action);
    expect(actions).toEqual(['open', 'evidence', 'assign', 'note', 'close', 'reopen']);
    expect((await svc.http.post('/v1/monitoring/cases/case-none/close').set('Authorization', bearer(users.ig)).send({ outcome: 'appropriate' })).status).toBe(404);
  });
});

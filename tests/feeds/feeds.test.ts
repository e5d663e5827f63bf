/** Integration feeds through the HTTP API: validation, history, keyed hashes, moves, NDJSON import. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

describe.each(storeKinds)('feeds ($name)', (kind) => {
  let svc: TestService;
  let admin: string;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
    admin = `Bearer ${svc.adminToken()}`;
  });
  afterAll(() => svc?.close());
  const q = <T>(sql: string, params: unknown[] = []) => svc.services.store.query<T>(sql, params).then((r) => r.rows);

  it('creates with 201, updates with 200, and returns a consistency token', async () => {
    const body = { dateOfBirth: '2019-02-03', area: 'swindon', gpPractice: 'K84001' };
    const created = await svc.http.put('/v1/children/9990000077').set('Authorization', admin).send(body);
    expect(created.status).toBe(201);
    expect(created.body.consistencyToken).toMatch(/^ct1\.\d+$/);
    const updated = await svc.http.put('/v1/children/9990000077').set('Authorization', admin).send(body);
    expect(updated.status).toBe(200);
  });

  it('keeps names and postcodes only as keyed hashes', async () => {
    await svc.http.put('/v1/children/9990000085').set('Authorization', admin)
      .send({ dateOfBirth: '2018-01-01', area: 'oxfordshire', gpPractice: 'K84001', familyName: 'Smith', postcode: 'OX1 2JD' }).expect(201);
    const [row] = await q<Record<string, unknown>>(`select * from children where nhs_number = '9990000085'`);
    expect(JSON.stringify(row)).not.toMatch(/smith|OX1/i);
    expect(row.family_name_hash).toMatch(/^[0-9a-f]{64}$/);
    // Same name, other spelling of case and space: same hash (so family look-ups can be detected).
    expect(svc.services.hasher.hash('postcode', 'ox12jd')).toBe(row.postcode_hash);
  });

  it('rejects bad input with the field at fault and changes nothing', async () => {
    const count = async () => (await q<{ n: number }>('select (select count(*) from children) + (select count(*) from fact_changes) as n'))[0].n;
    const before = await count();
    const bad: [string, object, string][] = [
      ['/v1/children/9434765918', { dateOfBirth: '2020-01-01', area: 'swindon', gpPractice: 'K84001' }, 'path.nhsNumber'],
      ['/v1/children/9990000093', { dateOfBirth: '2020-13-01', area: 'swindon', gpPractice: 'K84001' }, 'body.dateOfBirth'],
      ['/v1/children/9990000093', { dateOfBirth: '2020-01-01', area: 'wessex', gpPractice: 'K84001' }, 'body.area'],
      ['/v1/children/9990000093', { dateOfBirth: '2020-01-01', area: 'swindon', gpPractice: 'K84001', flags: ['x'] }, 'body.flags'],
      ['/v1/children/9990000093', { dateOfBirth: '2020-01-01', area: 'swindon', gpPractice: 'K84001', labels: { safeguarding: ['r'] } }, 'body.labels.safeguarding.0'],
      ['/v1/teams/T1', { name: 'x', orgCode: 'RNU', kind: 'wizards', area: 'swindon' }, 'body.kind'],
      ['/v1/users/u9', { name: 'x', orgCode: 'RNU', teams: ['NO-SUCH-TEAM'] }, 'body.teams'],
    ];
    for (const [path, body, field] of bad) {
      const r = await svc.http.put(path).set('Authorization', admin).send(body);
      expect(r.status, path).toBe(400);
      expect(r.body.errors.map((e: { field: string }) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect(await count()).toBe(before);
  });

  it('lets only the admin role write', async () => {
    const r = await svc.http.put('/v1/teams/T2').set('Authorization', `Bearer ${svc.tokenFor(users.lead)}`)
      .send({ name: 'x', orgCode: 'RNU', kind: 'safeguarding', area: 'swindon' });
    expect(r.status).toBe(403);
  });

  it('ends relationships without deleting them, keeping source and history', async () => {
    const start = await svc.http.post('/v1/relationships').set('Authorization', admin)
      .send({ child: NHS.toddler, subject: 'team:CHR-OX', type: 'caseload', source: 'chis-migration' });
    expect(start.status).toBe(201);
    expect(start.headers.location).toBe(`/v1/relationships/${start.body.id}`);
    const end = await svc.http.delete(`/v1/relationships/${start.body.id}`).set('Authorization', admin);
    expect(end.status).toBe(200);
    expect(end.body.endedAt).not.toBeNull();
    const [row] = await q<{ source: string; valid_to: Date }>('select source, valid_to from relationships where id = $1', [start.body.id]);
    expect(row.source).toBe('chis-migration');
    expect(row.valid_to).toBeInstanceOf(Date);
    expect((await svc.http.delete('/v1/relationships/00000000-0000-4000-8000-000000000000').set('Authorization', admin)).status).toBe(404);
  });

  it('refuses relationships to children or teams never fed', async () => {
    const r = await svc.http.post('/v1/relationships').set('Authorization', admin)
      .send({ child: NHS.unknown, subject: 'team:NOPE', type: 'caseload', source: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.child', 'body.subject']);
  });

  it('moves GP registration with the child, keeping the old registration as history', async () => {
    await svc.http.put('/v1/orgs/K84002').set('Authorization', admin).send({ name: 'Other practice', kind: 'gp-practice' }).expect(201);
    await svc.http.put(`/v1/children/${NHS.teen}`).set('Authorization', admin)
      .send({ dateOfBirth: '2012-01-10', area: 'oxfordshire', gpPractice: 'K84002', school: '123456' }).expect(200);
    const rels = await q<{ subject: string; ended: boolean }>(
      `select subject, valid_to is not null as ended from relationships where child = $1 and type = 'gp-registration' order by created_at`, [NHS.teen]);
    expect(rels).toEqual([{ subject: 'org:K84001', ended: true }, { subject: 'org:K84002', ended: false }]);
    const gp = await svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.gp)}`)
      .send({ child: NHS.teen, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });
    expect(gp.body.decisions[0].decision).toBe('deny');
  });

  it('gives the old area\'s team a handover window after an area move', async () => {
    const now = svc.clock.now;
    await svc.http.put(`/v1/children/${NHS.toddler}`).set('Authorization', admin)
      .send({ dateOfBirth: new Date(now.getTime() - 800 * 86_400_000).toISOString().slice(0, 10), area: 'swindon', gpPractice: 'K84001' }).expect(200);
    const ask = () => svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.tokenFor(users.hv)}`)
      .send({ child: NHS.toddler, sections: ['health-visiting'], action: 'read', purposeOfUse: 'TREAT' });
    expect((await ask()).body.decisions[0]).toMatchObject({ decision: 'permit', basis: [{ type: 'handover', via: 'team:HV-BANBURY' }] });
    const saved = svc.clock.now;
    svc.clock.now = new Date(saved.getTime() + 29 * 86_400_000);
    try {
      expect((await ask()).body.decisions[0].decision).toBe('deny');
    } finally {
      svc.clock.now = saved;
    }
  });

  it('imports NDJSON, keeping good lines and reporting bad ones by line number', async () => {
    const lines = [
      JSON.stringify({ child: NHS.labelled, subject: 'team:SN-NORTH', type: 'caseload', source: 'import-test' }),
      '{not json',
      JSON.stringify({ child: '1234567890', subject: 'team:SN-NORTH', type: 'caseload', source: 'import-test' }),
      '',
      JSON.stringify({ child: NHS.unknown, subject: 'team:SN-NORTH', type: 'caseload', source: 'import-test' }),
      JSON.stringify({ child: NHS.teen, subject: 'user:paed1', type: 'referral', source: 'import-test', validTo: '2030-01-01T00:00:00Z' }),
    ];
    const r = await svc.http.post('/v1/relationships:import').set('Authorization', admin)
      .set('Content-Type', 'application/x-ndjson').send(lines.join('\n'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 2, rejected: 3 });
    expect(r.body.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 5]);
    expect(r.body.errors[1].errors[0].field).toBe('child');
    const [{ n }] = await q<{ n: number }>(`select count(*)::int as n from relationships where source = 'import-test'`);
    expect(n).toBe(2);
    const wrongType = await svc.http.post('/v1/relationships:import').set('Authorization', admin).send({ a: 1 });
    expect(wrongType.status).toBe(400);
  });

  it('streams a large import without holding it in memory', async () => {
    const line = JSON.stringify({ child: NHS.labelled, subject: 'school:123456', type: 'school-enrolment', source: 'bulk' }) + '\n';
    const body = line.repeat(5000);
    const r = await svc.http.post('/v1/relationships:import').set('Authorization', admin).set('Content-Type', 'application/x-ndjson').send(body);
    expect(r.body).toMatchObject({ accepted: 5000, rejected: 0 });
  });
});

/**
 * A small, hand-written world fed through the HTTP feeds, used by the behaviour tests.
 * Dates are relative to `today` so ages cross no boundary by accident.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestService, type TestService, type TestUser } from './app.ts';
import type { StoreKind } from './stores.ts';

export const NHS = {
  /** 2 years old, on HV-BANBURY caseload, registered at K84001. */
  toddler: '9990000018',
  /** 14 years old, at school 123456 (covered by SN-NORTH), registered at K84001. */
  teen: '9990000026',
  /** 3 years old, sealed, on HV-BANBURY caseload. */
  sealed: '9990000034',
  /** 3 years old, restricted demographics (S-flag), on HV-BANBURY caseload. */
  restricted: '9990000042',
  /** 15 years old, confidential labelled SEX, at school 123456. */
  labelled: '9990000050',
  /** Valid check digit, never fed. */
  unknown: '9990000069',
} as const;

export const users = {
  hv: { id: 'hv1', org: 'RNU', roleCode: 'S8000:G8000:R8001', workgroups: ['HV-BANBURY'] },
  hvOther: { id: 'hv2', org: 'RNU', roleCode: 'S8000:G8000:R8001', workgroups: ['HV-SWINDON'] },
  sn: { id: 'sn1', org: 'RNU', roleCode: 'S8000:G8000:R8001', workgroups: ['SN-NORTH'] },
  gp: { id: 'gp1', org: 'K84001', roleCode: 'S8000:G8000:R8000' },
  clerk: { id: 'clerk1', org: 'RNU', roleCode: 'S8000:G8000:R8010', workgroups: ['CHR-OX'], activities: ['B0820'] },
  lead: { id: 'sg1', org: 'RNU', roleCode: 'S8000:G8000:R8003', workgroups: ['SG-OX'] },
  ig: { id: 'ig1', org: 'RNU', roleCode: 'S8000:G8000:R0001', activities: [] },
  paed: { id: 'paed1', org: 'RTH', roleCode: 'S8000:G8000:R8000', workgroups: ['PAED-JR'] },
} satisfies Record<string, TestUser>;

function yearsAgo(now: Date, years: number, days = 0): string {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

export async function feedFixture(svc: TestService): Promise<void> {
  const admin = `Bearer ${svc.adminToken()}`;
  const put = async (path: string, body: object) => {
    const r = await svc.http.put(path).set('Authorization', admin).send(body);
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const post = async (path: string, body: object) => {
    const r = await svc.http.post(path).set('Authorization', admin).send(body);
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const now = svc.clock.now;
  await put('/v1/orgs/K84001', { name: 'Banbury Cross Practice', kind: 'gp-practice', area: 'oxfordshire' });
  await put('/v1/orgs/RNU', { name: 'Oxford Health NHS FT', kind: 'trust', area: 'oxfordshire' });
  await put('/v1/orgs/RTH', { name: 'Oxford University Hospitals', kind: 'trust', area: 'oxfordshire' });
  await put('/v1/teams/HV-BANBURY', { name: 'Banbury health visiting', orgCode: 'RNU', kind: 'health-visiting', area: 'oxfordshire' });
  await put('/v1/teams/HV-SWINDON', { name: 'Swindon health visiting', orgCode: 'RNU', kind: 'health-visiting', area: 'swindon' });
  await put('/v1/teams/SN-NORTH', { name: 'North Oxon school nursing', orgCode: 'RNU', kind: 'school-nursing', area: 'oxfordshire', schools: ['123456'] });
  await put('/v1/teams/CHR-OX', { name: 'Oxfordshire child health records', orgCode: 'RNU', kind: 'child-health-records', area: 'oxfordshire' });
  await put('/v1/teams/SG-OX', { name: 'Oxfordshire safeguarding', orgCode: 'RNU', kind: 'safeguarding', area: 'oxfordshire' });
  await put('/v1/teams/PAED-JR', { name: 'JR paediatrics', orgCode: 'RTH', kind: 'paediatrics', area: 'oxfordshire' });
  for (const u of Object.values(users)) {
    await put(`/v1/users/${u.id}`, { name: `User ${u.id}`, orgCode: u.org, teams: 'workgroups' in u ? u.workgroups : [] });
  }
  const child = (dob: string, extra: Record<string, unknown> = {}) => ({ dateOfBirth: dob, area: 'oxfordshire', gpPractice: 'K84001', ...extra });
  await put(`/v1/children/${NHS.toddler}`, child(yearsAgo(now, 2, 30)));
  await put(`/v1/children/${NHS.teen}`, child(yearsAgo(now, 14, 30), { school: '123456' }));
  await put(`/v1/children/${NHS.sealed}`, child(yearsAgo(now, 3, 30), { sealed: true }));
  await put(`/v1/children/${NHS.restricted}`, child(yearsAgo(now, 3, 30), { restricted: true, postcode: 'OX16 1AA' }));
  await put(`/v1/children/${NHS.labelled}`, child(yearsAgo(now, 15, 30), { school: '123456', labels: { confidential: ['SEX'] } }));
  for (const c of [NHS.toddler, NHS.sealed, NHS.restricted]) {
    await post('/v1/relationships', { child: c, subject: 'team:HV-BANBURY', type: 'caseload', source: 'test' });
  }
}

/**
 * For one describe block: a test service on `kind` fed with the fixture, handed to `use` with its clock's
 * starting time; the clock is put back to it after each test, and the service closed at the end.
 */
export function useFixtureService(kind: StoreKind, use: (svc: TestService, start: Date) => void): void {
  let svc: TestService | undefined;
  let start: Date;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
    start = svc.clock.now;
    use(svc, start);
  });
  afterEach(() => {
    if (svc) svc.clock.now = start;
  });
  afterAll(() => svc?.close());
}

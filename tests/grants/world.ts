/** Extra facts for the grant, break-glass and alert tests (a second area, its lead), and row counters. */
import type { TestService, TestUser } from '../support/app.ts';
import { StoreUnavailableError } from '../../src/store/store.ts';

export const SWINDON_CHILD = '9990000077';
export const lead2 = { id: 'sg2', org: 'RNU', roleCode: 'S8000:G8000:R8003', workgroups: ['SG-SW'] } satisfies TestUser;
/** A clinician in a trust: the role map decides by role code alone, not by team kind. */
export const er = (id: string): TestUser => ({ id, org: 'RTH', roleCode: 'S8000:G8000:R8000', workgroups: ['PAED-JR'] });

export async function feedSecondArea(svc: TestService): Promise<void> {
  const admin = `Bearer ${svc.adminToken()}`;
  const put = async (path: string, body: object) => {
    const r = await svc.http.put(path).set('Authorization', admin).send(body);
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await put('/v1/teams/SG-SW', { name: 'Swindon safeguarding', orgCode: 'RNU', kind: 'safeguarding', area: 'swindon' });
  await put(`/v1/users/${lead2.id}`, { name: 'Lead two', orgCode: 'RNU', teams: ['SG-SW'] });
  const dob = new Date(svc.clock.now.getTime() - 6 * 365.25 * 86_400_000).toISOString().slice(0, 10);
  await put(`/v1/children/${SWINDON_CHILD}`, { dateOfBirth: dob, area: 'swindon', gpPractice: 'K84001' });
}

/** Row counts of what a write may leave behind; compare before and after a refused request. */
export async function counts(svc: TestService): Promise<Record<string, number>> {
  const { rows } = await svc.services.store.query<Record<string, number>>(
    `select (select count(*) from audit_events)::int as audit, (select count(*) from alerts)::int as alerts,
            (select count(*) from grants)::int as grants, (select count(*) from break_glass)::int as break_glass,
            (select count(*) from relationships)::int as relationships, (select count(*) from fact_changes)::int as changes`,
  );
  return rows[0];
}

export const bearer = (svc: TestService, user: TestUser) => `Bearer ${svc.tokenFor(user)}`;

/** Runs a request while every audit append inside a transaction fails, as when the trail cannot be written. */
export async function failingAudit<T>(svc: TestService, run: () => PromiseLike<T>): Promise<T> {
  const audit = svc.services.audit as unknown as Record<string, unknown>;
  audit.appendWithin = async () => {
    throw new StoreUnavailableError('the audit trail could not be written');
  };
  try {
    return await run();
  } finally {
    delete audit.appendWithin;
  }
}

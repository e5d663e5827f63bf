/** A generated population follows the data conventions, has realistic proportions, and keeps each child's exposure small. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { AREAS, TEAM_KINDS } from '../../src/population/areas.ts';
import { generatePopulation, type Summary } from '../../src/population/generate.ts';
import { isValidNhsNumber } from '../../src/population/nhs.ts';
import type { Store } from '../../src/store/store.ts';

const N = 20_000;
const REF = '2025-03-15';
const at = (sql: string) => sql.replaceAll('$ref', `'${REF}T00:00:00Z'::timestamptz`);
const LIVE = at(`r.valid_from <= $ref and (r.valid_to is null or r.valid_to > $ref) and r.ended_at is null`);

describe.each(storeKinds)('generated population: $name', (kind) => {
  let store: Store;
  let summary: Summary;
  const one = async <T = number>(sql: string, params: unknown[] = []) =>
    Object.values((await store.query<Record<string, T>>(at(sql), params)).rows[0])[0];
  const share = async (where: string) => (await one<number>(`select count(*)::int8 from children c where ${where}`)) / N;

  beforeAll(async () => {
    store = await kind.open();
    summary = await generatePopulation(store, { children: N, seed: 5, referenceDate: new Date(`${REF}T12:34:00Z`) });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('reports what it wrote', async () => {
    expect(summary.referenceDate).toBe(REF);
    expect(summary.children).toBe(N);
    expect(await one('select count(*)::int8 from relationships')).toBe(summary.relationships);
    expect(await one('select count(*)::int8 from users')).toBe(summary.users);
    expect(summary.rows).toBe(summary.orgs + summary.teams + summary.users + summary.userTeams + N + summary.relationships);
  });

  it('gives every child a valid 999-range NHS number and an age of 0-19', async () => {
    const rows = (await store.query<{ nhs_number: string }>('select nhs_number from children')).rows;
    expect(rows.every((r) => r.nhs_number.startsWith('999') && isValidNhsNumber(r.nhs_number))).toBe(true);
    expect(await one(`select min(date_of_birth)::text > ($ref::date - interval '20 years')::date::text from children`, [])).toBe(true);
    expect(await one(`select max(date_of_birth) <= $ref::date from children`)).toBe(true);
    expect(await share(`c.date_of_birth > $ref::date - interval '5 years'`)).toBeCloseTo(0.25, 1);
  });

  it('has every team kind in every area, teams of 8-15 staff, and small GP practices', async () => {
    const kinds = (await store.query<{ area: string; kind: string }>('select distinct area, kind from teams')).rows;
    for (const area of AREAS) for (const k of TEAM_KINDS) expect(kinds).toContainEqual({ area: area.code, kind: k });
    const sizes = (await store.query<{ n: number }>(`select count(*)::int8 as n from user_teams group by team_id`)).rows;
    expect(sizes.length).toBe(summary.teams);
    expect(sizes.every((s) => s.n >= 8 && s.n <= 15 + 3)).toBe(true); // a few school nurses also immunise
    expect(await one(`select max(n) from (select count(*)::int8 n from users u join orgs o on o.code = u.org_code
      where o.kind = 'gp-practice' group by o.code) x`)).toBeLessThanOrEqual(8);
    expect(await one(`select count(*)::int8 from users u where not exists (select 1 from orgs o where o.code = u.org_code)`)).toBe(0);
    expect(await one(`select count(*)::int8 from orgs where kind = 'gp-practice' and code !~ '^[A-Z][0-9]{5}$'`)).toBe(0);
  });

  it('registers everyone at one GP practice in their area, matching gp_practice', async () => {
    expect(await one(`select count(*)::int8 from children c where 1 <> (select count(*) from relationships r
      where r.child = c.nhs_number and r.type = 'gp-registration' and ${LIVE}
        and r.subject = 'org:' || c.gp_practice)`)).toBe(0);
    expect(await one(`select count(*)::int8 from children c join orgs o on o.code = c.gp_practice
      where o.kind <> 'gp-practice' or o.area <> c.area`)).toBe(0);
  });

  it('enrols school-age children at a school of their area, covered by one school-nursing team', async () => {
    expect(await share('c.school is not null')).toBeCloseTo(0.7, 1);
    expect(await one(`select count(*)::int8 from children c where c.school is not null and not exists (
      select 1 from relationships r where r.child = c.nhs_number and r.type = 'school-enrolment' and ${LIVE}
        and r.subject = 'school:' || c.school)`)).toBe(0);
    expect(await one(`select count(*)::int8 from children c join orgs o on o.code = c.school
      where c.school is not null and (o.kind <> 'school' or o.area <> c.area or 1 <> (select count(*) from teams t
        where t.kind = 'school-nursing' and t.area = c.area and c.school = any(t.schools)))`)).toBe(0);
  });

  it('puts every under-five on a health-visiting caseload in their area', async () => {
    expect(await one(`with hv as (select 'team:' || id as subject, area from teams where kind = 'health-visiting')
      select count(*)::int8 from children c where c.date_of_birth > $ref::date - interval '5 years'
      and not exists (select 1 from relationships r join hv on hv.subject = r.subject
        where r.child = c.nhs_number and r.type = 'caseload' and ${LIVE} and hv.area = c.area)`)).toBe(0);
    const named = await one(`select count(distinct child)::int8 from relationships r where r.type = 'caseload' and r.subject like 'user:%'`);
    expect(named / (N * 0.25)).toBeCloseTo(0.4, 1);
  });

  it('has roughly the brief proportions of referrals, safeguarding, moves and sensitive records', async () => {
    const withRel = (type: string, extra = '') =>
      share(`exists (select 1 from relationships r where r.child = c.nhs_number and r.type = '${type}' ${extra})`);
    expect(await withRel('referral')).toBeGreaterThan(0.04);
    expect(await withRel('referral')).toBeLessThan(0.06);
    expect(await withRel('referral', `and r.valid_to is not null and r.valid_to < $ref`)).toBeGreaterThan(0.02);
    expect(await withRel('caseload', `and r.subject like 'team:SG-%'`)).toBeGreaterThan(0.014);
    expect(await withRel('caseload', `and r.subject like 'team:SG-%'`)).toBeLessThan(0.03); // plus a few referrals
    expect(await withRel('handover')).toBeGreaterThan(0.006);
    expect(await withRel('handover')).toBeLessThan(0.014);
    expect(await share('c.sealed')).toBeLessThan(0.003);
    expect(await share('c.restricted')).toBeGreaterThan(0.002);
    expect(await share('c.restricted')).toBeLessThan(0.009);
    expect(await share(`c.labels <> '{}'::jsonb`)).toBeGreaterThan(0.005);
    expect(await share(`c.labels <> '{}'::jsonb`)).toBeLessThan(0.02);
    expect(await share(`c.consent_withheld <> '{}'`)).toBeGreaterThan(0);
    expect(await one(`select count(*)::int8 from children c where c.consent_withheld <> '{}' and (c.consent_withheld <> '{confidential}'
      or c.date_of_birth > $ref::date - interval '13 years' or c.date_of_birth <= $ref::date - interval '17 years')`)).toBe(0);
  });

  it('gives the old area team a four-week handover after a move, and nothing starts in the future', async () => {
    expect(await one(`select count(*)::int8 from relationships r join children c on c.nhs_number = r.child
      join teams t on r.subject = 'team:' || t.id where r.type = 'handover'
      and (t.area = c.area or r.valid_to - r.valid_from <> interval '28 days' or r.valid_from < $ref - interval '31 days')`)).toBe(0);
    expect(await one(`select count(*)::int8 from relationships r where r.valid_from > $ref or r.valid_to <= r.valid_from`)).toBe(0);
    expect(await one(`select count(*)::int8 from relationships r join children c on c.nhs_number = r.child
      where r.valid_from < c.date_of_birth`)).toBe(0);
  });

  it("keeps a child's exposure to tens of staff, not thousands", async () => {
    const exposure = (
      await store.query<{ child: string; n: number }>(
        at(`with sample as (select nhs_number as child from children order by nhs_number limit 200),
          subj as (select r.child, r.subject from relationships r join sample s using (child) where ${LIVE}),
          reach as (
            select s.child, ut.user_id from subj s join user_teams ut on s.subject = 'team:' || ut.team_id
            union select s.child, substr(s.subject, 6) from subj s where s.subject like 'user:%'
            union select s.child, u.id from subj s join users u on s.subject = 'org:' || u.org_code
            union select s.child, ut.user_id from subj s join teams t on t.kind = 'school-nursing'
              and s.subject = any (select 'school:' || x from unnest(t.schools) x) join user_teams ut on ut.team_id = t.id)
          select child, count(distinct user_id)::int8 as n from reach group by child`),
      )
    ).rows.map((r) => r.n).sort((a, b) => a - b);
    expect(exposure.length).toBe(200);
    const median = exposure[100];
    expect(median).toBeGreaterThanOrEqual(3);
    expect(median).toBeLessThanOrEqual(40);
    expect(exposure[exposure.length - 1]).toBeLessThan(100);
    expect(exposure[exposure.length - 1]).toBeLessThan(summary.users / 10);
  });
});

describe('generation speed', () => {
  // About 0.4 s alone; the bound leaves room for the other suites running alongside.
  it('writes a 2,000-child population on PGlite in a few seconds', async () => {
    const store = await storeKinds[0].open();
    try {
      const started = performance.now();
      const s = await generatePopulation(store, { children: 2_000, seed: 9 });
      expect(s.children).toBe(2_000);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await store.close();
    }
  });
});

/**
 * Who reads which child in the scenarios, found in the generated population: a health visitor with the
 * children on their team's caseload, children they have no relationship with, children granted to them by
 * a safeguarding lead, and a paediatric clinician with live break-glass declarations.
 *
 * Grants and break-glass are written straight into the tables of migrations/002 (what the decision reads),
 * not through POST /v1/grants and /v1/break-glass: a thousand declarations by one clinician through the API
 * would raise a thousand IG alerts and the per-user break-glass flags. Ids are new each run; old rows expire.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/store/store.ts';
import type { Cis2Claims } from '../src/identity/claims.ts';
import { demoPersonas } from '../src/population/personas.ts';

export interface Actor {
  userId: string;
  orgCode: string;
  roleCode: string;
  workgroups: string[];
  activities: string[];
}

export interface Fixture {
  healthVisitor: Actor;
  clinician: Actor;
  /** Children on the health visitor's team caseload: plain (no seal, restriction, label, withheld consent), under 5. */
  caseload: string[];
  /** Children the health visitor has no relationship, grant or break-glass with. */
  strangers: string[];
  /** Children with a live grant to the health visitor for health-visiting and immunisations (TREAT). */
  granted: string[];
  /** Children with a live break-glass of the clinician: [child, breakGlassId]. */
  breakGlass: [string, string][];
}

const PLAIN = `not c.sealed and not c.restricted and c.labels = '{}'::jsonb and c.consent_withheld = '{}'`;
/** Well inside health visiting's 0-5 years, so no birthday crosses a boundary during a run. */
const UNDER_FIVE = `c.date_of_birth > current_date - interval '4 years 10 months' and c.date_of_birth < current_date - interval '7 days'`;

export function claimsFor(a: Actor, name = a.userId): Cis2Claims {
  const roleId = `pr-${a.userId}`;
  return {
    sub: a.userId,
    name,
    selected_roleid: roleId,
    nhsid_nrbac_roles: [
      { person_roleid: roleId, org_code: a.orgCode, role_code: a.roleCode, activity_codes: a.activities, workgroups_codes: a.workgroups },
    ],
    azp: 'bench-clinical-system',
  };
}

export async function buildFixture(db: Queryable, size: number): Promise<Fixture> {
  const hv = (await demoPersonas(db)).find((p) => p.key === 'health-visitor');
  if (!hv?.orgCode || !hv.roleCode || !hv.workgroups.length) throw new Error('the population has no health visitor persona');
  const healthVisitor: Actor = { userId: hv.userId, orgCode: hv.orgCode, roleCode: hv.roleCode, workgroups: hv.workgroups, activities: hv.activityCodes };
  const hvSubjects = [`user:${hv.userId}`, `org:${hv.orgCode}`, ...hv.workgroups.map((t) => `team:${t}`)];

  const caseload = (await db.query<{ n: string }>(
    `select distinct c.nhs_number as n from relationships r join children c on c.nhs_number = r.child
      where r.subject = any($1) and r.type = 'caseload' and r.valid_from < now() - interval '1 day'
        and r.valid_to is null and ${PLAIN} and ${UNDER_FIVE}
      order by 1 limit $2`,
    [hv.workgroups.map((t) => `team:${t}`), size],
  )).rows.map((r) => r.n);

  // Children of the same ages elsewhere with nothing tying them to the health visitor; half become granted.
  const others = (await db.query<{ n: string }>(
    `select c.nhs_number as n from children c
      where ${PLAIN} and ${UNDER_FIVE} and c.area <> (select area from teams where id = $2)
        and not exists (select 1 from relationships r where r.child = c.nhs_number and r.subject = any($1))
        and not exists (select 1 from grants g where g.child = c.nhs_number and g.grantee = any($1))
      order by c.nhs_number limit $3`,
    [hvSubjects, hv.workgroups[0], size * 2],
  )).rows.map((r) => r.n);
  const strangers = others.filter((_, i) => i % 2 === 0);
  const granted = others.filter((_, i) => i % 2 === 1);
  const run = randomUUID().slice(0, 8);
  await db.query(
    `insert into grants (id, child, grantee, sections, purpose, reason, granted_by, granted_at, expires_at)
     select 'bench-' || $1 || '-' || ord, child, $2, '{health-visiting,immunisations}', 'TREAT',
            'Benchmark: child-protection enquiry', 'bench-safeguarding-lead', now(), now() + interval '29 days'
       from unnest($3::text[]) with ordinality as u(child, ord)`,
    [run, `user:${hv.userId}`, granted],
  );

  const paed = (await db.query<{ user_id: string; team_id: string; org_code: string }>(
    `select ut.user_id, t.id as team_id, t.org_code from teams t join user_teams ut on ut.team_id = t.id
      where t.kind = 'paediatrics' and not exists (select 1 from user_teams o where o.user_id = ut.user_id and o.team_id <> t.id)
      order by t.id, ut.user_id limit 1`,
  )).rows[0];
  if (!paed) throw new Error('the population has no paediatric clinician');
  const clinician: Actor = { userId: paed.user_id, orgCode: paed.org_code, roleCode: 'S8000:G8000:R8000', workgroups: [paed.team_id], activities: ['B0360', 'B0380', 'B0820'] };
  const bgChildren = (await db.query<{ n: string }>(
    `select c.nhs_number as n from children c
      where ${PLAIN} and c.date_of_birth > current_date - interval '19 years' and c.date_of_birth < current_date - interval '7 days'
      order by c.nhs_number desc limit $1`,
    [size],
  )).rows.map((r) => r.n);
  const breakGlass: [string, string][] = bgChildren.map((c) => [c, randomUUID()]);
  await db.query(
    `insert into break_glass (id, child, user_id, role, org_code, reason_code, reason, started_at, expires_at)
     select id, child, $1, 'clinician', $2, 'EMERGENCY_TREATMENT', 'Benchmark: unconscious child in the emergency department',
            now() - interval '1 minute', now() + interval '4 hours'
       from unnest($3::text[], $4::text[]) as u(id, child)`,
    [paed.user_id, paed.org_code, breakGlass.map(([, id]) => id), bgChildren],
  );
  for (const [name, list] of Object.entries({ caseload, strangers, granted, breakGlass })) {
    if (!list.length) throw new Error(`the population gives no children for ${name}`);
  }
  return { healthVisitor, clinician, caseload, strangers, granted, breakGlass };
}

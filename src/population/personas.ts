/** Named demo personas, looked up deterministically in the stored population, with example children they can and cannot read. */
import type { Queryable } from '../store/store.ts';
import { AREAS } from './areas.ts';

export type PersonaKey =
  | 'health-visitor' | 'school-nurse' | 'immunisation-nurse' | 'gp' | 'clinician' | 'clerk' | 'safeguarding-lead' | 'ig-officer' | 'admin';

export interface Persona {
  key: PersonaKey;
  /** Staff user id (the token's sub); for the admin machine client, its client id. */
  userId: string;
  name: string;
  /** Employing organisation of the selected role; null for the machine client. */
  orgCode: string | null;
  /** CIS2 colon-joined role code of the selected role; null for the machine client. */
  roleCode: string | null;
  /** CIS2 person_roleid to use as selected_roleid. */
  personRoleId: string | null;
  activityCodes: string[];
  /** Team ids: the token's workgroups_codes. */
  workgroups: string[];
  /** The product role the default role mapping gives this persona. */
  productRole: string;
  /** One line for people: who this is. */
  description: string;
  /** OAuth scope of the machine client. */
  scope?: string;
  /** A child this persona can read through a live relationship (no seal, restriction, label or withheld consent). */
  canRead?: string;
  /** A child in the same area, of the ages the persona works with, with no relationship to them at all. */
  cannotRead?: string;
}

interface Staff {
  user_id: string;
  name: string;
  org_code: string;
  team_id: string | null;
  team_name: string | null;
  org_name: string;
  area: string;
  schools: string[];
}

const PREFERRED_AREA = 'oxfordshire';
const CLINICAL = ['B0360', 'B0380', 'B0820'];
const LIVE = `r.valid_from <= now() and (r.valid_to is null or r.valid_to > now()) and r.ended_at is null`;
const PLAIN = `not c.sealed and not c.restricted and c.labels = '{}'::jsonb and c.consent_withheld = '{}'`;

/** A member of the first team of the kind (preferring Oxfordshire) who belongs to that team only. */
async function teamMember(db: Queryable, kind: string): Promise<Staff | null> {
  const r = await db.query<Staff>(
    `select u.id as user_id, u.name, u.org_code, t.id as team_id, t.name as team_name, t.area, t.schools,
            coalesce(o.name, u.org_code) as org_name
       from teams t join user_teams ut on ut.team_id = t.id join users u on u.id = ut.user_id
       left join orgs o on o.code = u.org_code
      where t.kind = $1 and not exists (select 1 from user_teams o where o.user_id = u.id and o.team_id <> t.id)
      order by t.area = $2 desc, t.id, u.id limit 1`,
    [kind, PREFERRED_AREA],
  );
  return r.rows[0] ?? null;
}

/** Staff outside any team at a non-GP organisation (IG) or at a GP practice (GPs). */
async function orgStaff(db: Queryable, gp: boolean): Promise<Staff | null> {
  const r = await db.query<Staff>(
    `select u.id as user_id, u.name, u.org_code, null as team_id, null as team_name, o.area, '{}'::text[] as schools,
            o.name as org_name
       from users u join orgs o on o.code = u.org_code
      where (o.kind = 'gp-practice') = $1 and not exists (select 1 from user_teams ut where ut.user_id = u.id)
      order by o.area = $2 desc, o.code, u.id limit 1`,
    [gp, PREFERRED_AREA],
  );
  return r.rows[0] ?? null;
}

/** Ages as [from, to) in whole years, judged against today (the service decides at its own clock). */
type Ages = [number, number];

/** The first matching NHS number, preferring children of the given ages; `$n` numbers the age parameters. */
async function firstChild(db: Queryable, sql: (ageFilter: string) => string, params: unknown[], ages: Ages) {
  const n = params.length;
  const ageFilter = `c.date_of_birth <= current_date - make_interval(years => $${n + 1}::int)
    and c.date_of_birth > current_date - make_interval(years => $${n + 2}::int)`;
  for (const [filter, values] of [[ageFilter, [...params, ...ages]], ['true', params]] as const) {
    const r = await db.query<{ nhs_number: string }>(`${sql(filter)} order by c.nhs_number limit 1`, [...values]);
    if (r.rows[0]) return r.rows[0].nhs_number;
  }
  return undefined;
}

const canRead = (db: Queryable, subjects: string[], types: string[], ages: Ages) =>
  firstChild(
    db,
    (f) => `select c.nhs_number from relationships r join children c on c.nhs_number = r.child
      where r.subject = any($1) and r.type = any($2) and ${LIVE} and ${PLAIN} and ${f}`,
    [subjects, types],
    ages,
  );

const cannotRead = (db: Queryable, subjects: string[], area: string, ages: Ages) =>
  firstChild(
    db,
    (f) => `select c.nhs_number from children c where c.area = $2 and ${PLAIN} and ${f}
      and not exists (select 1 from relationships r where r.child = c.nhs_number and r.subject = any($1))`,
    [subjects, area],
    ages,
  );

const personRoleId = (userId: string) => `5550${userId.replace(/\D/g, '').padStart(8, '0')}`;

interface Spec {
  key: PersonaKey;
  productRole: string;
  roleCode: string;
  activityCodes: string[];
  title: string;
  find: (db: Queryable) => Promise<Staff | null>;
  types?: string[];
  ages?: Ages;
}

const SPECS: Spec[] = [
  { key: 'health-visitor', productRole: 'health-visitor', roleCode: 'S8000:G8000:R8001', activityCodes: CLINICAL,
    title: 'Health visitor', find: (db) => teamMember(db, 'health-visiting'), types: ['caseload'], ages: [0, 5] },
  { key: 'school-nurse', productRole: 'school-nurse', roleCode: 'S8000:G8000:R8001', activityCodes: CLINICAL,
    title: 'School nurse', find: (db) => teamMember(db, 'school-nursing'), types: ['school-enrolment'], ages: [5, 16] },
  { key: 'immunisation-nurse', productRole: 'immunisation-nurse', roleCode: 'S8000:G8000:R8001', activityCodes: CLINICAL,
    title: 'Immunisation nurse', find: (db) => teamMember(db, 'immunisation'), types: ['caseload'], ages: [1, 19] },
  { key: 'gp', productRole: 'gp', roleCode: 'S8000:G8000:R8000', activityCodes: CLINICAL,
    title: 'GP', find: (db) => orgStaff(db, true), types: ['gp-registration'], ages: [0, 19] },
  // A plain clinician (product role "clinician"): a hospital paediatrician, reading through the team's episodes of care.
  { key: 'clinician', productRole: 'clinician', roleCode: 'S8000:G8000:R8000', activityCodes: CLINICAL,
    title: 'Paediatrician', find: (db) => teamMember(db, 'paediatrics'), types: ['episode-of-care'], ages: [0, 19] },
  { key: 'clerk', productRole: 'clerk', roleCode: 'S8001:G8005:R8010', activityCodes: ['B0820'],
    title: 'Child health records clerk', find: (db) => teamMember(db, 'child-health-records'), types: ['caseload'], ages: [0, 19] },
  { key: 'safeguarding-lead', productRole: 'safeguarding-lead', roleCode: 'S8000:G8000:R8001',
    activityCodes: [...CLINICAL, 'B0015', 'B0016'], title: 'Safeguarding lead',
    find: (db) => teamMember(db, 'safeguarding'), types: ['caseload'], ages: [0, 19] },
  { key: 'ig-officer', productRole: 'ig-officer', roleCode: 'S8003:G8013:R0001', activityCodes: ['B0015', 'B0016'],
    title: 'Information governance (privacy) officer', find: (db) => orgStaff(db, false) },
];

/** The demo personas of the population in the store; a persona whose kind of staff is missing is left out. */
export async function demoPersonas(db: Queryable): Promise<Persona[]> {
  const out: Persona[] = [];
  for (const spec of SPECS) {
    const staff = await spec.find(db);
    if (!staff) continue;
    const workgroups = staff.team_id ? [staff.team_id] : [];
    const persona: Persona = {
      key: spec.key, userId: staff.user_id, name: staff.name, orgCode: staff.org_code, roleCode: spec.roleCode,
      personRoleId: personRoleId(staff.user_id), activityCodes: spec.activityCodes, workgroups, productRole: spec.productRole,
      description: `${spec.title}, ${staff.team_name ? `${staff.team_name} (${staff.team_id}), ` : ''}${staff.org_name} (${staff.org_code}), ${AREAS.find((a) => a.code === staff.area)?.name ?? staff.area}`,
    };
    if (spec.types && spec.ages) {
      // School-nursing teams read through the schools they cover; everyone through their own user, teams and organisation.
      const subjects = [`user:${staff.user_id}`, `org:${staff.org_code}`, ...workgroups.map((t) => `team:${t}`)];
      if (spec.key === 'school-nurse') subjects.push(...staff.schools.map((s) => `school:${s}`));
      persona.canRead = await canRead(db, subjects, spec.types, spec.ages);
      persona.cannotRead = await cannotRead(db, subjects, staff.area, spec.ages);
    }
    out.push(persona);
  }
  out.push({
    key: 'admin', userId: 'ntk-demo-feed', name: 'Demo integration feed', orgCode: null, roleCode: null, personRoleId: null,
    activityCodes: [], workgroups: [], productRole: 'access-admin', description: 'Integration feed (machine client)',
    scope: 'ntk:admin',
  });
  return out;
}

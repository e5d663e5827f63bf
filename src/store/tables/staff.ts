/**
 * Staff: the users table and their team memberships (user_teams) as the organisation feed writes them,
 * and users as last seen in an access token (table seen_principals). Reads for the views of a decision
 * (explain, reach, exposure: the SQL that finds the staff behind a child's relationships, grants and
 * break-glass), for grants (a grantee's teams, a lead's search by name within her area).
 */
import type { Queryable } from '../store.ts';
import type { TeamInfo } from '../../identity/principal.ts';
import { teamsByIdsJson, userTeamsJson } from './teams.ts';

/** A user as the organisation feed sends it. */
export interface UserRow {
  id: string;
  name: string;
  orgCode: string;
  familyNameHash: string | null;
  postcodeHash: string | null;
}

/** Creates or updates the user and replaces their teams; true when the user was created. */
export async function upsertUser(tx: Queryable, user: UserRow, teams: string[]): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `insert into users (id, name, org_code, family_name_hash, postcode_hash) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set name = excluded.name, org_code = excluded.org_code, family_name_hash = excluded.family_name_hash,
       postcode_hash = excluded.postcode_hash, updated_at = now()
     returning (xmax = 0) as inserted`,
    [user.id, user.name, user.orgCode, user.familyNameHash, user.postcodeHash],
  );
  await tx.query('delete from user_teams where user_id = $1', [user.id]);
  await tx.query('insert into user_teams (user_id, team_id) select $1, unnest($2::text[])', [user.id, teams]);
  return rows[0].inserted;
}

/** The ids of the teams the feed says the user belongs to (none for a user never fed). */
export async function teamIdsOfUser(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ team_id: string }>('select team_id from user_teams where user_id = $1 order by team_id', [userId]);
  return rows.map((r) => r.team_id);
}

/** A fed user, with their teams and their organisation's kind. */
export interface FedStaff {
  id: string;
  name: string;
  orgCode: string;
  orgKind?: string;
  teams: TeamInfo[];
}

/** A user as last seen in a token: the selected role's claims and the workgroups that are known teams. */
export interface SeenStaff {
  id: string;
  issuer: string;
  orgCode: string;
  orgKind?: string;
  roleCode: string;
  activities: string[];
  workgroups: string[];
  teams: TeamInfo[];
}

interface FedRow { id: string; name: string; org_code: string; org_kind: string | null; teams: TeamInfo[] }
interface SeenRow { user_id: string; issuer: string; org_code: string; org_kind: string | null; role_code: string; activities: string[]; workgroups: string[]; teams: TeamInfo[] }

const FED = `select u.id, u.name, u.org_code, (select kind from orgs where code = u.org_code) as org_kind, ${userTeamsJson('u.id')} as teams from users u`;
const SEEN = `select s.user_id, s.issuer, s.org_code, (select kind from orgs where code = s.org_code) as org_kind, s.role_code, s.activities, s.workgroups,
  ${teamsByIdsJson('s.workgroups')} as teams from seen_principals s`;

const fed = (r: FedRow): FedStaff => ({ id: r.id, name: r.name, orgCode: r.org_code, orgKind: r.org_kind ?? undefined, teams: r.teams });
const seen = (r: SeenRow): SeenStaff => ({
  id: r.user_id, issuer: r.issuer, orgCode: r.org_code, orgKind: r.org_kind ?? undefined, roleCode: r.role_code, activities: r.activities, workgroups: r.workgroups, teams: r.teams,
});

/** A fed user with organisation and teams, or undefined when no such user was fed (usable inside a transaction). */
export async function fedStaff(db: Queryable, userId: string): Promise<FedStaff | undefined> {
  const { rows } = await db.query<FedRow>(`${FED} where u.id = $1`, [userId]);
  return rows[0] && fed(rows[0]);
}

/** A member of staff as a safeguarding lead finds them: names of the organisation and the teams, for people to choose from. */
export interface AreaStaff {
  id: string;
  name: string;
  orgCode: string;
  orgName: string | null;
  orgKind?: string;
  teams: (TeamInfo & { name: string })[];
}

interface AreaStaffRow { id: string; name: string; org_code: string; org_name: string | null; org_kind: string | null; teams: (TeamInfo & { name: string })[] }

/**
 * Staff of the given areas: those with a team in one of them, and those in no team whose organisation
 * is in one of them. A member of a team elsewhere is outside, whatever her employer's area (an
 * Oxfordshire trust's Swindon health visitor works in Swindon).
 */
const IN_AREAS = `(exists (select 1 from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id and t.area = any($1::text[]))
  or (not exists (select 1 from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id)
      and exists (select 1 from orgs a where a.code = u.org_code and a.area = any($1::text[]))))`;

/** `like` pattern for a case-insensitive "contains" (%, _ and \ in the text are matched literally). */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Staff of `areas` whose name contains `name` (case-insensitive), or the one with id `id`; by name.
 * Never anyone outside the areas.
 */
export async function staffOfAreas(db: Queryable, areas: string[], f: { name?: string; id?: string; limit: number }): Promise<AreaStaff[]> {
  const { rows } = await db.query<AreaStaffRow>(
    `select u.id, u.name, u.org_code, o.name as org_name, o.kind as org_kind,
            coalesce((select json_agg(json_build_object('id', t.id, 'name', t.name, 'kind', t.kind, 'area', t.area, 'schools', t.schools) order by t.id)
                        from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id), '[]') as teams
       from users u left join orgs o on o.code = u.org_code
      where ${IN_AREAS} and ($2::text is null or u.id = $2) and ($3::text is null or lower(u.name) like $3 escape '\\')
      order by lower(u.name), u.id limit $4`,
    [areas, f.id ?? null, f.name === undefined ? null : containing(f.name), f.limit],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, orgCode: r.org_code, orgName: r.org_name, orgKind: r.org_kind ?? undefined, teams: r.teams }));
}

/** The subjects whose relationships, grants or break-glass on child $1 are live ($2 now, $3 the grace lookback). */
const LIVE_SUBJECTS = `
  select subject from relationships where child = $1 and valid_from <= $2::timestamptz and (valid_to is null or valid_to > $3::timestamptz)
  union select grantee from grants where child = $1 and revoked_at is null and expires_at > $2::timestamptz
  union select 'user:' || user_id from break_glass where child = $1 and expires_at > $2::timestamptz and started_at <= $2::timestamptz`;

export class StaffTable {
  constructor(private readonly db: Queryable) {}

  /** A fed user's organisation and team ids (explain's what-if), or undefined. */
  async orgAndTeams(userId: string): Promise<{ orgCode: string; teams: string[] } | undefined> {
    const f = await this.fed(userId);
    return f && { orgCode: f.orgCode, teams: f.teams.map((t) => t.id) };
  }

  fed(userId: string): Promise<FedStaff | undefined> {
    return fedStaff(this.db, userId);
  }

  async seen(userId: string): Promise<SeenStaff | undefined> {
    const { rows } = await this.db.query<SeenRow>(`${SEEN} where s.user_id = $1`, [userId]);
    return rows[0] && seen(rows[0]);
  }

  /**
   * Everyone who may hold a live basis on this child: users named directly, members of the teams
   * named (as fed, or as their token's workgroups), staff of the nursing teams covering a named school,
   * staff of a named organisation.
   */
  async behindChild(child: string, now: Date, since: Date): Promise<{ fed: FedStaff[]; seen: SeenStaff[] }> {
    const params = [child, now.toISOString(), since.toISOString()];
    const [f, s] = await Promise.all([
      this.db.query<FedRow>(`with subj as (${LIVE_SUBJECTS}), cand as (
          select substr(subject, 6) as user_id from subj where subject like 'user:%'
          union select ut.user_id from user_teams ut join subj on subj.subject = 'team:' || ut.team_id
          union select ut.user_id from subj join teams t on subj.subject like 'school:%' and substr(subj.subject, 8) = any(t.schools)
                join user_teams ut on ut.team_id = t.id
          union select u.id from subj join users u on subj.subject = 'org:' || u.org_code)
        ${FED} join cand on u.id = cand.user_id`, params),
      this.db.query<SeenRow>(`with subj as (${LIVE_SUBJECTS}), teamsOf as (
          select substr(subject, 6) as team_id from subj where subject like 'team:%'
          union select t.id from subj join teams t on subj.subject like 'school:%' and substr(subj.subject, 8) = any(t.schools))
        ${SEEN} where s.user_id in (select substr(subject, 6) from subj where subject like 'user:%')
           or s.workgroups && array(select team_id from teamsOf)
           or ('org:' || s.org_code) in (select subject from subj)`, params),
    ]);
    return { fed: f.rows.map(fed), seen: s.rows.map(seen) };
  }

  /**
   * The children on which any of these subjects holds a basis live now (relationships within the
   * grace lookback, live grants) or this user a live break-glass. School subjects follow from the teams.
   */
  async childrenReachedBy(userId: string, subjects: string[], now: Date, since: Date): Promise<string[]> {
    const { rows } = await this.db.query<{ child: string }>(
      `select distinct child from relationships where subject = any($2::text[]) and valid_from <= $3::timestamptz and (valid_to is null or valid_to > $4::timestamptz)
       union select child from grants where grantee = any($2::text[]) and revoked_at is null and expires_at > $3::timestamptz
       union select child from break_glass where user_id = $1 and started_at <= $3::timestamptz and expires_at > $3::timestamptz`,
      [userId, subjects, now.toISOString(), since.toISOString()],
    );
    return rows.map((r) => r.child);
  }

  /** Records the claims a user's token carried (insert, or replace when they changed). */
  async recordSeen(p: { userId: string; issuer: string; orgCode: string; roleCode: string; activities: string[]; workgroups: string[] }, now: Date): Promise<void> {
    await this.db.query(
      `insert into seen_principals (user_id, issuer, org_code, role_code, activities, workgroups, first_seen, last_seen)
       values ($1, $2, $3, $4, $5::text[], $6::text[], $7, $7)
       on conflict (user_id) do update set issuer = excluded.issuer, org_code = excluded.org_code, role_code = excluded.role_code,
         activities = excluded.activities, workgroups = excluded.workgroups, last_seen = excluded.last_seen`,
      [p.userId, p.issuer, p.orgCode, p.roleCode, p.activities, p.workgroups, now.toISOString()],
    );
  }
}

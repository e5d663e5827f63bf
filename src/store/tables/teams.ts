/**
 * The teams table (and user_teams): the one place that says how a team is read as JSON, and the
 * statements that read teams. Shared by both stores.
 */
import type { Queryable } from '../store.ts';
import type { TeamInfo } from '../../identity/principal.ts';

/** One team as JSON, for `json_agg`: alias the teams table as `t`. */
export const TEAM_JSON = `json_build_object('id', t.id, 'kind', t.kind, 'area', t.area, 'schools', t.schools)`;

/** SQL expression: the teams of user `userIdExpr` as a JSON array (never null). */
export const userTeamsJson = (userIdExpr: string): string =>
  `coalesce((select json_agg(${TEAM_JSON} order by t.id) from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = ${userIdExpr}), '[]')`;

/** SQL expression: the teams whose ids are in the text[] `idsExpr`, as a JSON array (never null). */
export const teamsByIdsJson = (idsExpr: string): string =>
  `coalesce((select json_agg(${TEAM_JSON} order by t.id) from teams t where t.id = any(${idsExpr})), '[]')`;

/** The teams named (workgroups of a token) and the kind of an organisation, in one statement. */
export async function teamsAndOrgKind(db: Queryable, teamIds: string[], orgCode: string | undefined): Promise<{ teams: TeamInfo[]; orgKind?: string }> {
  const { rows } = await db.query<{ teams: TeamInfo[]; org_kind: string | null }>(
    `select ${teamsByIdsJson('$1::text[]')} as teams, (select kind from orgs where code = $2) as org_kind`,
    [teamIds, orgCode ?? null],
  );
  return { teams: rows[0].teams, orgKind: rows[0].org_kind ?? undefined };
}

export interface TeamRow {
  id: string;
  name: string;
  orgCode: string;
  kind: string;
  area: string;
  schools: string[];
}

/** Creates or updates the team; true when it was created. */
export async function upsertTeam(tx: Queryable, team: TeamRow): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `insert into teams (id, name, org_code, kind, area, schools) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set name = excluded.name, org_code = excluded.org_code, kind = excluded.kind,
       area = excluded.area, schools = excluded.schools, updated_at = now()
     returning (xmax = 0) as inserted`,
    [team.id, team.name, team.orgCode, team.kind, team.area, team.schools],
  );
  return rows[0].inserted;
}

/** The ids among `ids` that name no team. */
export async function unknownTeamIds(db: Queryable, ids: string[]): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>('select t from unnest($1::text[]) t where t not in (select id from teams)', [ids]);
  return rows.map((r) => r.t);
}

/** One team (as a one-element list) and the kind of its organisation, or undefined when no such team was fed. */
export async function teamAndOrgKind(db: Queryable, teamId: string): Promise<{ teams: TeamInfo[]; orgKind?: string } | undefined> {
  const { rows } = await db.query<{ teams: TeamInfo[]; org_kind: string | null }>(
    `select json_build_array(${TEAM_JSON}) as teams, (select kind from orgs where code = t.org_code) as org_kind from teams t where t.id = $1`,
    [teamId],
  );
  return rows[0] ? { teams: rows[0].teams, orgKind: rows[0].org_kind ?? undefined } : undefined;
}

/** The safeguarding teams of the area the child lives in (none for a child never fed). */
export async function safeguardingTeamsOfChild(db: Queryable, nhsNumber: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select t.id from children c join teams t on t.kind = 'safeguarding' and t.area = c.area where c.nhs_number = $1 order by t.id`,
    [nhsNumber],
  );
  return rows.map((r) => r.id);
}

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

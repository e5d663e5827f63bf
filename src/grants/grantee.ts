/**
 * The product role(s) a grantee would act under, to keep a grant within role limits. The role is
 * inferred from the grantee's team kinds and organisation kind (as exposure reports do); when nothing
 * there decides it (e.g. a paediatrician in a trust), the roles that only the sign-in role code decides
 * (clinician, IG) are the candidates. Decisions still apply the real role limits at read time.
 */
import type { Queryable } from '../store/store.ts';
import type { TeamInfo } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { inferRole } from '../identity/infer-role.ts';

interface Row {
  teams: TeamInfo[];
  org_kind: string | null;
}

const USER = `
select coalesce((select json_agg(json_build_object('id', t.id, 'kind', t.kind, 'area', t.area, 'schools', t.schools))
                   from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id), '[]') as teams,
       (select kind from orgs where code = u.org_code) as org_kind
  from users u where u.id = $1`;

const TEAM = `
select json_build_array(json_build_object('id', t.id, 'kind', t.kind, 'area', t.area, 'schools', t.schools)) as teams,
       (select kind from orgs where code = t.org_code) as org_kind
  from teams t where t.id = $1`;

/** The candidate roles of `user:<id>` or `team:<id>`, or undefined when no such user or team was fed. */
export async function granteeRoles(db: Queryable, policy: Policy, grantee: string): Promise<string[] | undefined> {
  const [kind, key] = [grantee.slice(0, grantee.indexOf(':')), grantee.slice(grantee.indexOf(':') + 1)];
  const { rows } = await db.query<Row>(kind === 'team' ? TEAM : USER, [key]);
  if (!rows[0]) return undefined;
  const { role } = inferRole(policy.roles, rows[0].teams, rows[0].org_kind ?? undefined);
  if (role) return [role];
  return policy.roles.rules.filter((r) => !r.teamKind && !r.orgKind).map((r) => r.role);
}

/**
 * How far a user reaches: how many children they could read now, by basis, computed from their
 * relationships (own, their teams', their teams' schools', their organisation's) grouped by type and
 * the child's age in years, put to the same rules as authorise. Indexed by relationships(subject).
 */
import type { Services } from '../services.ts';
import type { TeamInfo } from '../identity/principal.ts';
import { SECTIONS, PURPOSES } from '../policy/vocabulary.ts';
import { notFound } from '../http/problem.ts';
import { inferRole } from './infer-role.ts';

const REACH = `
with subj as (
  select 'user:' || $1::text as s
  union select 'team:' || team_id from user_teams where user_id = $1
  union select 'school:' || unnest(t.schools) from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = $1
  union select 'org:' || org_code from users where id = $1
)
select r.type, extract(year from age($2::timestamptz, c.date_of_birth::timestamptz))::int as age, count(distinct r.child)::int as children
  from relationships r join subj on r.subject = subj.s join children c on c.nhs_number = r.child
 where r.valid_from <= $2::timestamptz and (r.valid_to is null or r.valid_to > $3::timestamptz)
 group by r.type, 2`;

export async function reachOf(services: Services, userId: string) {
  const policy = services.policy.current;
  const now = services.now();
  const user = (await services.store.query<{ org_code: string; org_kind: string | null; teams: TeamInfo[] }>(
    `select org_code, (select kind from orgs where code = u.org_code) as org_kind,
            coalesce((select json_agg(json_build_object('id', t.id, 'kind', t.kind, 'area', t.area, 'schools', t.schools))
                        from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id), '[]') as teams
       from users u where id = $1`, [userId])).rows[0];
  if (!user) throw notFound('no user with this id has been fed');
  const { role } = inferRole(policy.roles, user.teams, user.org_kind ?? undefined);
  // Relationships still within their type's grace period count (the decision applies the grace exactly).
  const since = new Date(now.getTime() - policy.lookbackDays * 86_400_000);
  const groups = (await services.store.query<{ type: string; age: number; children: number }>(REACH, [userId, now.toISOString(), since.toISOString()])).rows;
  const byBasis: Record<string, number> = {};
  let readable = 0;
  let related = 0;
  for (const g of groups) {
    related += g.children;
    const opens = role !== undefined && g.age < policy.parameters.archiveAfterAge &&
      SECTIONS.some((s) => PURPOSES.some((p) => p !== 'BTG' && policy.allows(role, s, g.type, p, g.age)));
    if (!opens) continue;
    byBasis[g.type] = (byBasis[g.type] ?? 0) + g.children;
    readable += g.children;
  }
  const [grants, breakGlass] = await Promise.all([
    services.store.query<{ n: number }>(
      `select count(distinct child)::int as n from grants where revoked_at is null and expires_at > $2::timestamptz
         and (grantee = 'user:' || $1 or grantee in (select 'team:' || team_id from user_teams where user_id = $1))`, [userId, now.toISOString()]),
    services.store.query<{ n: number }>(
      `select count(distinct child)::int as n from break_glass where user_id = $1 and started_at <= $2::timestamptz and expires_at > $2::timestamptz`, [userId, now.toISOString()]),
  ]);
  if (grants.rows[0].n) byBasis.grant = grants.rows[0].n;
  if (breakGlass.rows[0].n) byBasis['break-glass'] = breakGlass.rows[0].n;
  return {
    user: userId,
    role: role ?? null,
    asOf: now.toISOString(),
    policyVersion: policy.version,
    // A child related in two ways is counted once per basis; `children` is an upper bound on distinct children.
    children: readable + grants.rows[0].n + breakGlass.rows[0].n,
    relatedChildren: related,
    byBasis,
  };
}

/** Resolves a principal for endpoints off the hot path: one query for the workgroup teams and the org's kind. */
import type { Services } from '../services.ts';
import type { Cis2Claims } from './claims.ts';
import { candidateSubjects, resolvePrincipal, type Principal, type TeamInfo } from './principal.ts';

export async function resolvePrincipalFromStore(services: Services, claims: Cis2Claims): Promise<Principal> {
  const { workgroups, orgCode } = candidateSubjects(claims);
  if (!workgroups.length && !orgCode) return resolvePrincipal(claims, services.policy.current.roles, []);
  const { rows } = await services.store.query<{ teams: TeamInfo[]; org_kind: string | null }>(
    `select (select coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'area', area, 'schools', schools)), '[]')
               from teams where id = any($1::text[])) as teams,
            (select kind from orgs where code = $2) as org_kind`,
    [workgroups, orgCode ?? null],
  );
  return resolvePrincipal(claims, services.policy.current.roles, rows[0].teams, rows[0].org_kind ?? undefined);
}

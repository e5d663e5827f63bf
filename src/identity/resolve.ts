/** Resolves a principal for endpoints off the hot path: one query for the workgroup teams and the org's kind. */
import type { Queryable } from '../store/store.ts';
import type { RoleMapping } from '../policy/policy.ts';
import { teamsAndOrgKind } from '../store/tables/teams.ts';
import type { Cis2Claims } from './claims.ts';
import { candidateSubjects, resolvePrincipal, type Principal } from './principal.ts';

export async function resolvePrincipalFromStore(deps: { store: Queryable; policy: { readonly current: { roles: RoleMapping } } }, claims: Cis2Claims): Promise<Principal> {
  const { workgroups, orgCode } = candidateSubjects(claims);
  if (!workgroups.length && !orgCode) return resolvePrincipal(claims, deps.policy.current.roles, []);
  const { teams, orgKind } = await teamsAndOrgKind(deps.store, workgroups, orgCode);
  return resolvePrincipal(claims, deps.policy.current.roles, teams, orgKind);
}

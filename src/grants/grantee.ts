/**
 * The product role(s) a grantee would act under, to keep a grant within role limits. The role is
 * inferred from the grantee's team kinds and organisation kind (as exposure reports do); when nothing
 * there decides it (e.g. a paediatrician in a trust), the roles that only the sign-in role code decides
 * (clinician, IG) are the candidates. Decisions still apply the real role limits at read time.
 */
import type { Queryable } from '../store/store.ts';
import type { Policy } from '../policy/policy.ts';
import { inferRole } from '../identity/infer-role.ts';
import { teamAndOrgKind } from '../store/tables/teams.ts';
import { fedStaff } from '../store/tables/staff.ts';

/** The candidate roles of `user:<id>` or `team:<id>`, or undefined when no such user or team was fed. */
export async function granteeRoles(db: Queryable, policy: Policy, grantee: string): Promise<string[] | undefined> {
  const [kind, key] = [grantee.slice(0, grantee.indexOf(':')), grantee.slice(grantee.indexOf(':') + 1)];
  const found = kind === 'team' ? await teamAndOrgKind(db, key) : await fedStaff(db, key);
  if (!found) return undefined;
  const { role } = inferRole(policy.roles, found.teams, found.orgKind);
  if (role) return [role];
  return policy.roles.rules.filter((r) => !r.teamKind && !r.orgKind).map((r) => r.role);
}

/**
 * The principals a member of staff may act as, for "who can see" views: as fed (the role their teams
 * or organisation most likely give them) and as last seen in a token (their selected role, resolved
 * exactly as authorise resolves it). Both count: a view that left one out would understate exposure.
 */
import type { Principal } from '../identity/principal.ts';
import { resolvePrincipal } from '../identity/principal.ts';
import { inferRole } from '../identity/infer-role.ts';
import type { RoleMapping } from '../policy/policy.ts';
import type { FedStaff, SeenStaff } from '../store/tables/staff.ts';

export function fedPrincipal(s: FedStaff, mapping: RoleMapping): Principal | undefined {
  const { role, teams } = inferRole(mapping, s.teams, s.orgKind);
  if (!role) return undefined;
  return { userId: s.id, name: s.name, machine: false, role, teams, orgCode: s.orgCode, orgKind: s.orgKind, activities: [], workgroups: teams.map((t) => t.id) };
}

export function seenPrincipal(s: SeenStaff, mapping: RoleMapping): Principal | undefined {
  const claims = {
    sub: s.id,
    selected_roleid: 'seen',
    nhsid_nrbac_roles: [{ person_roleid: 'seen', org_code: s.orgCode, role_code: s.roleCode, activity_codes: s.activities, workgroups_codes: s.workgroups }],
  };
  const p = resolvePrincipal(claims, mapping, s.teams, s.orgKind);
  return p.role ? { ...p, userId: s.id } : undefined;
}

/**
 * Who is asking: the verified claims, reduced to the SELECTED CIS2 role (never the union of a
 * user's roles), mapped onto a product role by the policy's role mapping (policies/roles.json).
 */
import type { Cis2Claims, NrbacRole } from './claims.ts';
import type { RoleMapping, RoleRule } from '../policy/policy.ts';

export interface TeamInfo {
  id: string;
  kind: string;
  area: string;
  schools: string[];
}

export interface Principal {
  userId: string;
  name?: string;
  /** Calling system (azp). */
  client?: string;
  machine: boolean;
  roleId?: string;
  roleCode?: string;
  /** Last segment of role_code, e.g. R8001. */
  accessRole?: string;
  orgCode?: string;
  orgKind?: string;
  activities: string[];
  workgroups: string[];
  /** The product role, or undefined when the mapping knows none (403). */
  role?: string;
  /** Teams whose relationships count for this role (workgroups of the rule's team kind). */
  teams: TeamInfo[];
}

export function selectedRole(claims: Cis2Claims): NrbacRole | undefined {
  if (!claims.selected_roleid) return undefined;
  return claims.nhsid_nrbac_roles?.find((r) => r.person_roleid === claims.selected_roleid);
}

/** The relationship subjects a request from this token may match, before the role is known. */
export function candidateSubjects(claims: Cis2Claims): { subjects: string[]; workgroups: string[]; orgCode?: string } {
  const role = selectedRole(claims);
  const workgroups = role?.workgroups_codes ?? [];
  const subjects = [`user:${claims.sub}`, ...workgroups.map((w) => `team:${w}`)];
  if (role) subjects.push(`org:${role.org_code}`);
  return { subjects, workgroups, orgCode: role?.org_code };
}

function ruleMatches(rule: RoleRule, accessRole: string, activities: string[], teams: TeamInfo[], orgKind?: string): boolean {
  if (!rule.accessRoles.includes(accessRole)) return false;
  if (rule.activitiesAny && !rule.activitiesAny.some((a) => activities.includes(a))) return false;
  if (rule.teamKind && !teams.some((t) => t.kind === rule.teamKind)) return false;
  if (rule.orgKind && rule.orgKind !== orgKind) return false;
  return true;
}

/**
 * Builds the principal. `knownTeams` are the token's workgroups that exist as teams (from the feed);
 * `orgKind` is the kind of the selected role's organisation, if known.
 */
export function resolvePrincipal(claims: Cis2Claims, mapping: RoleMapping, knownTeams: TeamInfo[], orgKind?: string): Principal {
  const base = { userId: claims.sub, name: claims.name, client: claims.azp, activities: [] as string[], workgroups: [] as string[], teams: [] as TeamInfo[] };
  const selected = selectedRole(claims);
  if (!selected) {
    const scopes = (claims.scope ?? '').split(/\s+/);
    // Machine scopes count only for a configured machine client of the token's issuer, and only with no user roles.
    const machine = claims.machineClient && (claims.nhsid_nrbac_roles === undefined || claims.nhsid_nrbac_roles.length === 0)
      ? mapping.machineClients.find((m) => scopes.includes(m.scope))
      : undefined;
    return { ...base, machine: Boolean(machine), role: machine?.role };
  }
  const accessRole = selected.role_code.split(':').pop() ?? '';
  const teams = knownTeams.filter((t) => selected.workgroups_codes.includes(t.id));
  const rule = mapping.rules.find((r) => ruleMatches(r, accessRole, selected.activity_codes, teams, orgKind));
  return {
    ...base,
    machine: false,
    roleId: selected.person_roleid,
    roleCode: selected.role_code,
    accessRole,
    orgCode: selected.org_code,
    orgKind,
    activities: selected.activity_codes,
    workgroups: selected.workgroups_codes,
    role: rule?.role,
    teams: rule?.teamKind ? teams.filter((t) => t.kind === rule.teamKind) : teams,
  };
}

/** The subjects this principal's relationships may be held by. */
export function principalSubjects(p: Principal): Set<string> {
  const s = new Set<string>([`user:${p.userId}`]);
  for (const t of p.teams) {
    s.add(`team:${t.id}`);
    for (const school of t.schools) s.add(`school:${school}`);
  }
  if (p.orgCode) s.add(`org:${p.orgCode}`);
  return s;
}

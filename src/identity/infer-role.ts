/**
 * The product role a fed user would most likely act under, for exposure and reach reports: tokens
 * carry the real role at request time, so these reports take the first role-mapping rule that the
 * user's team kinds (or their organisation's kind) satisfy.
 */
import type { RoleMapping } from '../policy/policy.ts';
import type { TeamInfo } from './principal.ts';

export function inferRole(mapping: RoleMapping, teams: TeamInfo[], orgKind?: string): { role?: string; teams: TeamInfo[] } {
  for (const rule of mapping.rules) {
    if (rule.teamKind) {
      const matching = teams.filter((t) => t.kind === rule.teamKind);
      if (matching.length && (!rule.orgKind || rule.orgKind === orgKind)) return { role: rule.role, teams: matching };
    } else if (rule.orgKind && rule.orgKind === orgKind) {
      return { role: rule.role, teams };
    }
  }
  return { role: undefined, teams };
}

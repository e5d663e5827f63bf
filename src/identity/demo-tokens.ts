/** Builds CIS2-shaped demo tokens for a product role, from the policy's role mapping (embedded/demo use only). */
import type { RoleMapping } from '../policy/policy.ts';
import type { DemoIssuer } from './demo-issuer.ts';

export interface DemoUser {
  userId: string;
  name?: string;
  orgCode: string;
  workgroups: string[];
  activities?: string[];
}

/** The CIS2 role code a product role is mapped from (the first access role of its first rule). */
export function roleCodeFor(mapping: RoleMapping, role: string): string {
  const rule = mapping.rules.find((r) => r.role === role);
  if (!rule) throw new Error(`unknown product role "${role}"; known: ${[...new Set(mapping.rules.map((r) => r.role))].join(', ')}, access-admin`);
  return `S8000:G8000:${rule.accessRoles[0]}`;
}

export function demoToken(issuer: DemoIssuer, mapping: RoleMapping, role: string, user: DemoUser, expiresIn = 8 * 3600): string {
  if (role === 'access-admin') {
    return issuer.sign({ sub: user.userId, azp: user.userId, scope: mapping.machineClients.find((m) => m.role === role)?.scope ?? 'ntk:admin' } as never, { expiresIn });
  }
  const personRoleId = `demo-${user.userId}`;
  return issuer.sign(
    {
      sub: user.userId,
      name: user.name ?? user.userId,
      selected_roleid: personRoleId,
      nhsid_nrbac_roles: [
        {
          person_roleid: personRoleId,
          org_code: user.orgCode,
          role_code: roleCodeFor(mapping, role),
          activity_codes: user.activities ?? ['B0360', 'B0380', 'B0820'],
          workgroups_codes: user.workgroups,
        },
      ],
      azp: 'needtoknow-demo',
    } as never,
    { expiresIn },
  );
}

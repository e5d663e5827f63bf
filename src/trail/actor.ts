/** The audit trail's view of who acted: identifiers of the user, the selected role and the calling system. */
import type { Principal } from '../identity/principal.ts';
import type { AuditActor } from './event.ts';

export function actorOf(p: Principal): AuditActor {
  return {
    user: p.userId,
    ...(p.role ? { role: p.role } : {}),
    ...(p.roleId ? { roleId: p.roleId } : {}),
    ...(p.roleCode ? { roleCode: p.roleCode } : {}),
    ...(p.orgCode ? { org: p.orgCode } : {}),
    ...(p.client ? { client: p.client } : {}),
  };
}

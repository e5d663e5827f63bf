/** A grant as the API shows it, from its row. */
import { z } from '../http/zod.ts';
import type { GrantRow } from '../store/tables/grants.ts';


const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function grantView(r: GrantRow, now: Date) {
  const expiresAt = new Date(r.expires_at);
  return {
    id: r.id,
    child: r.child,
    grantee: r.grantee,
    sections: r.sections,
    purposeOfUse: r.purpose,
    reason: r.reason,
    grantedBy: r.granted_by,
    grantedAt: iso(r.granted_at)!,
    expiresAt: expiresAt.toISOString(),
    revokedAt: iso(r.revoked_at),
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
    active: r.revoked_at === null && now.getTime() < expiresAt.getTime(),
  };
}

export const grantSchema = z.object({
  id: z.string(), child: z.string(), grantee: z.string(), sections: z.array(z.string()), purposeOfUse: z.string(), reason: z.string(),
  grantedBy: z.string(), grantedAt: z.string(), expiresAt: z.string(), revokedAt: z.string().nullable(), revokedBy: z.string().nullable(),
  revokeReason: z.string().nullable(), active: z.boolean(),
}).openapi('Grant');

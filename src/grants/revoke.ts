/**
 * Revoking a grant: a safeguarding lead of the child's area (or the lead who granted it) ends it now,
 * with a reason. An unknown id is 404; a grant already revoked or already expired is 409 (nothing to
 * end). The revocation, its audit event and its alert commit together, and the very next decision
 * in any process sees it (facts are never cached).
 */
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { Conflict, InvalidInput, NotAllowed, NotFound } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { reasonError } from '../policy/reason.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { grantForUpdate, revokeGrant as revokeRow } from '../store/tables/grants.ts';
import { leadAreas } from './lead-area.ts';
import { grantView } from './view.ts';

export async function revokeGrant(changes: AuditedChanges, policy: Policy, principal: Principal, id: string, reason: string, requestId: string) {
  InvalidInput.throwIfAny(reasonError('body.reason', reason, policy.parameters.grants.minReasonLength));
  const { value, consistencyToken } = await changes.run(async (c) => {
    const { tx, now } = c;
    const row = await grantForUpdate(tx, id);
    if (!row) throw new NotFound('no grant with this id');
    if (row.granted_by !== principal.userId && !(row.area && leadAreas(principal).includes(row.area))) {
      throw new NotAllowed('you may revoke only grants you made or grants for children of your safeguarding area');
    }
    if (row.revoked_at !== null) throw new Conflict(`this grant was already revoked at ${new Date(row.revoked_at).toISOString()}`);
    if (new Date(row.expires_at).getTime() <= now.getTime()) throw new Conflict(`this grant already expired at ${new Date(row.expires_at).toISOString()}`);

    const grant = grantView(await revokeRow(tx, id, principal.userId, reason, now), now);
    c.factChanged('grant', id);
    const summary = { grantId: id, grantee: grant.grantee, sections: grant.sections, purposeOfUse: grant.purposeOfUse, reason, revokedAt: grant.revokedAt };
    const alertId = c.alert({
      kind: 'grant-revoke', child: grant.child, ref: id,
      payload: { ...summary, revokedBy: principal.userId, org: principal.orgCode },
      recipients: await alertRecipients(tx, grant.child, true),
    });
    c.audit({
      kind: 'grant-revoke', actor: actorOf(principal), child: grant.child, purpose: grant.purposeOfUse, requestId,
      policyVersion: policy.version, details: { ...summary, alertId },
    });
    return grant;
  });
  return { ...value, consistencyToken: consistencyToken! };
}

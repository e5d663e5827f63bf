/**
 * Revoking a grant: a safeguarding lead of the child's area (or the lead who granted it) ends it now,
 * with a reason. An unknown id is 404; a grant already revoked or already expired is 409 (nothing to
 * end). The revocation, its audit event and its alert commit together, and the very next decision
 * in any process sees it (facts are never cached).
 */
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import { conflict, forbidden, notFound } from '../http/problem.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from '../feeds/changes.ts';
import { enqueueAlert } from '../alerts/outbox.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { reasonError, rejectIf } from './checks.ts';
import { leadAreas } from './lead-area.ts';
import { GRANT_COLUMNS, grantView, type GrantRow } from './view.ts';

export async function revokeGrant(services: Services, principal: Principal, id: string, reason: string, requestId: string) {
  rejectIf(reasonError('body.reason', reason, services.policy.current.parameters.grants.minReasonLength));
  const now = services.now();
  return services.store.transaction(async (tx) => {
    const { rows } = await tx.query<GrantRow & { area: string | null }>(
      `select ${GRANT_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, c.area
         from grants g left join children c on c.nhs_number = g.child where g.id = $1 for update of g`,
      [id],
    );
    const row = rows[0];
    if (!row) throw notFound('no grant with this id');
    if (row.granted_by !== principal.userId && !(row.area && leadAreas(principal).includes(row.area))) {
      throw forbidden('you may revoke only grants you made or grants for children of your safeguarding area');
    }
    if (row.revoked_at !== null) throw conflict(`this grant was already revoked at ${new Date(row.revoked_at).toISOString()}`);
    if (new Date(row.expires_at).getTime() <= now.getTime()) throw conflict(`this grant already expired at ${new Date(row.expires_at).toISOString()}`);

    const updated = await tx.query<GrantRow>(
      `update grants set revoked_at = $2, revoked_by = $3, revoke_reason = $4 where id = $1 returning ${GRANT_COLUMNS}`,
      [id, now.toISOString(), principal.userId, reason],
    );
    const grant = grantView(updated.rows[0], now);
    const consistencyToken = await recordChange(tx, 'grant', id);
    const summary = { grantId: id, grantee: grant.grantee, sections: grant.sections, purposeOfUse: grant.purposeOfUse, reason, revokedAt: grant.revokedAt };
    const alertId = await enqueueAlert(tx, {
      kind: 'grant-revoke', child: grant.child, ref: id, now,
      payload: { ...summary, revokedBy: principal.userId, org: principal.orgCode },
      recipients: await alertRecipients(tx, grant.child, true),
    });
    await services.audit.appendWithin(tx, [{
      kind: 'grant-revoke', actor: actorOf(principal), child: grant.child, purpose: grant.purposeOfUse, requestId,
      policyVersion: services.policy.current.version, details: { ...summary, alertId },
    }]);
    return { ...grant, consistencyToken };
  });
}

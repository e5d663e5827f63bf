/**
 * A self-claimed relationship: a clinician states, with a reason, that they have a legitimate
 * relationship with a child the feeds do not show yet. It is a relationship of type 'self-claimed'
 * held by the user alone, valid for the policy's selfClaimHours, and IG is alerted at once.
 * An NHS number never fed gets the same 201 (existence is not revealed); the audit event records
 * childKnown: false and the alert tells IG.
 */
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from '../feeds/changes.ts';
import { insertRelationship } from '../feeds/relationships.ts';
import { enqueueAlert } from '../alerts/outbox.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { reasonError, rejectIf } from './checks.ts';

const HOUR = 3_600_000;

export async function selfClaim(services: Services, principal: Principal, input: { child: string; reason: string }, requestId: string) {
  const { parameters, version } = services.policy.current;
  rejectIf(reasonError('body.reason', input.reason, parameters.grants.minReasonLength));
  const now = services.now();
  const validTo = new Date(now.getTime() + parameters.selfClaimHours * HOUR);
  return services.store.transaction(async (tx) => {
    const known = (await tx.query<{ known: boolean }>('select exists(select 1 from children where nhs_number = $1) as known', [input.child])).rows[0].known;
    const rel = await insertRelationship(tx, {
      child: input.child, subject: `user:${principal.userId}`, type: 'self-claimed', source: 'self-claim',
      validFrom: now.toISOString(), validTo: validTo.toISOString(), reason: input.reason,
    }, principal.userId, now);
    const consistencyToken = await recordChange(tx, 'relationship', rel.id);
    const summary = { id: rel.id, subject: rel.subject, type: rel.type, validFrom: rel.validFrom, validTo: rel.validTo, source: rel.source, reason: input.reason };
    const alertId = await enqueueAlert(tx, {
      kind: 'self-claim', child: input.child, ref: rel.id, now,
      payload: { relationshipId: rel.id, user: principal.userId, role: principal.role, org: principal.orgCode, validTo: rel.validTo, reason: input.reason, childKnown: known },
      recipients: await alertRecipients(tx, input.child, false),
    });
    await services.audit.appendWithin(tx, [{
      kind: 'relationship', actor: actorOf(principal), child: input.child, requestId, policyVersion: version,
      details: { change: 'start', selfClaimed: true, childKnown: known, alertId, ...summary },
    }]);
    return { ...rel, consistencyToken };
  });
}

/**
 * A self-claimed relationship: a clinician states, with a reason, that they have a legitimate
 * relationship with a child the feeds do not show yet. It is a relationship of type 'self-claimed'
 * held by the user alone, valid for the policy's selfClaimHours, and IG is alerted at once.
 * The answer is the same for every child, whether fed, sealed, unrelated or never fed (an NHS number
 * never fed gets the same 201 with the same fields): nothing in it depends on what is known of the
 * child, so self-claim cannot be used to learn which children exist. Only the audit event and the
 * alert, for IG, record childKnown.
 */
import { randomUUID } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { InvalidInput } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { reasonError } from '../policy/reason.ts';
import { IG_RECIPIENT } from '../alerts/recipients.ts';
import { childExists } from '../store/tables/children.ts';
import { insertRelationship } from '../store/tables/relationships.ts';

const HOUR = 3_600_000;

export async function selfClaim(changes: AuditedChanges, policy: Policy, principal: Principal, input: { child: string; reason: string }, requestId: string) {
  const { parameters, version } = policy;
  InvalidInput.throwIfAny(reasonError('body.reason', input.reason, parameters.grants.minReasonLength));
  const { value, consistencyToken } = await changes.run(async (c) => {
    const known = await childExists(c.tx, input.child);
    const rel = await insertRelationship(c.tx, {
      id: randomUUID(), child: input.child, subject: `user:${principal.userId}`, type: 'self-claimed', source: 'self-claim',
      validFrom: c.now.toISOString(), validTo: new Date(c.now.getTime() + parameters.selfClaimHours * HOUR).toISOString(),
      reason: input.reason, createdBy: principal.userId,
    });
    c.factChanged('relationship', rel.id);
    const summary = { id: rel.id, subject: rel.subject, type: rel.type, validFrom: rel.validFrom, validTo: rel.validTo, source: rel.source, reason: input.reason };
    const alertId = c.alert({
      kind: 'self-claim', child: input.child, ref: rel.id,
      payload: { relationshipId: rel.id, user: principal.userId, role: principal.role, org: principal.orgCode, validTo: rel.validTo, reason: input.reason, childKnown: known },
      recipients: [IG_RECIPIENT],
    });
    c.audit({
      kind: 'relationship', actor: actorOf(principal), child: input.child, requestId, policyVersion: version,
      details: { change: 'start', selfClaimed: true, childKnown: known, alertId, ...summary },
    });
    return rel;
  });
  return { ...value, consistencyToken: consistencyToken! };
}

/**
 * Declaring a break-glass: one child, a coded reason and free text, for a short time (policy default
 * and maximum). The row, its audit event (kind 'break-glass', breakGlass: true) and its alert to IG and
 * the child's safeguarding team commit together. A user who still has an unreviewed break-glass is
 * flagged on the new record and in the alert. An NHS number never fed gets the same 201 (existence is
 * not revealed); the audit event records childKnown: false and the alert goes to IG.
 */
import { randomUUID } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { InvalidInput, type FieldError } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { reasonError } from '../policy/reason.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { childKnownAndPriorUnreviewed, insertBreakGlass } from '../store/tables/break-glass.ts';

export interface DeclareInput {
  child: string;
  reasonCode: string;
  reason: string;
  durationMinutes?: number;
}

function check(policy: Policy, input: DeclareInput): FieldError[] {
  const { maxMinutes, minReasonLength, reasonCodes } = policy.parameters.breakGlass;
  const errors: FieldError[] = [];
  if (!reasonCodes.includes(input.reasonCode)) errors.push({ field: 'body.reasonCode', message: `must be one of ${reasonCodes.join(', ')}` });
  errors.push(...reasonError('body.reason', input.reason, minReasonLength));
  if (input.durationMinutes !== undefined && input.durationMinutes > maxMinutes) {
    errors.push({ field: 'body.durationMinutes', message: `must be at most ${maxMinutes} minutes (the policy maximum)` });
  }
  return errors;
}

export async function declareBreakGlass(changes: AuditedChanges, policy: Policy, principal: Principal, input: DeclareInput, requestId: string) {
  InvalidInput.throwIfAny(check(policy, input));
  const { parameters, version } = policy;
  const minutes = input.durationMinutes ?? Math.min(parameters.breakGlass.defaultMinutes, parameters.breakGlass.maxMinutes);
  const id = randomUUID();
  const { value, consistencyToken } = await changes.run(async (c) => {
    const { tx, now } = c;
    const expiresAt = new Date(now.getTime() + minutes * 60_000);
    const { known, prior } = await childKnownAndPriorUnreviewed(tx, input.child, principal.userId);
    await insertBreakGlass(tx, {
      id, child: input.child, user_id: principal.userId, role: principal.role ?? '', org_code: principal.orgCode ?? '', reason_code: input.reasonCode,
      reason: input.reason, started_at: now, expires_at: expiresAt, child_known: known, prior_unreviewed: prior, duration_minutes: minutes, request_id: requestId,
    });
    c.factChanged('break-glass', id);
    const record = {
      id, child: input.child, reasonCode: input.reasonCode, startedAt: now.toISOString(), expiresAt: expiresAt.toISOString(),
      durationMinutes: minutes, flagged: prior > 0, priorUnreviewed: prior,
    };
    const alertId = c.alert({
      kind: 'break-glass', child: input.child, ref: id,
      payload: { breakGlassId: id, user: principal.userId, role: principal.role, org: principal.orgCode, reasonCode: input.reasonCode,
        reason: input.reason, startedAt: record.startedAt, expiresAt: record.expiresAt, flagged: record.flagged, priorUnreviewed: prior, childKnown: known },
      recipients: await alertRecipients(tx, input.child, true),
    });
    c.audit({
      kind: 'break-glass', actor: actorOf(principal), child: input.child, purpose: 'BTG', breakGlass: true, requestId, policyVersion: version,
      details: { breakGlassId: id, reasonCode: input.reasonCode, reason: input.reason, durationMinutes: minutes, expiresAt: record.expiresAt,
        childKnown: known, priorUnreviewed: prior, flagged: record.flagged, alertId },
    });
    return record;
  });
  return { ...value, consistencyToken: consistencyToken! };
}

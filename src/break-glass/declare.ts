/**
 * Declaring a break-glass: one child, a coded reason and free text, for a short time (policy default
 * and maximum). The row, its audit event (kind 'break-glass', breakGlass: true) and its alert to IG and
 * the child's safeguarding team commit together. A user who still has an unreviewed break-glass is
 * flagged on the new record and in the alert. An NHS number never fed gets the same 201 (existence is
 * not revealed); the audit event records childKnown: false and the alert goes to IG.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import type { FieldError } from '../http/problem.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from '../feeds/changes.ts';
import { enqueueAlert } from '../alerts/outbox.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { reasonError, rejectIf } from '../grants/checks.ts';

export interface DeclareInput {
  child: string;
  reasonCode: string;
  reason: string;
  durationMinutes?: number;
}

function check(services: Services, input: DeclareInput): FieldError[] {
  const { parameters } = services.policy.current;
  const { maxMinutes, minReasonLength } = parameters.breakGlass;
  const codes = parameters.breakGlass.reasonCodes;
  const errors: FieldError[] = [];
  if (!codes.includes(input.reasonCode)) errors.push({ field: 'body.reasonCode', message: `must be one of ${codes.join(', ')}` });
  errors.push(...reasonError('body.reason', input.reason, minReasonLength));
  if (input.durationMinutes !== undefined && input.durationMinutes > maxMinutes) {
    errors.push({ field: 'body.durationMinutes', message: `must be at most ${maxMinutes} minutes (the policy maximum)` });
  }
  return errors;
}

export async function declareBreakGlass(services: Services, principal: Principal, input: DeclareInput, requestId: string) {
  rejectIf(check(services, input));
  const { parameters, version } = services.policy.current;
  const minutes = input.durationMinutes ?? Math.min(parameters.breakGlass.defaultMinutes, parameters.breakGlass.maxMinutes);
  const now = services.now();
  const expiresAt = new Date(now.getTime() + minutes * 60_000);
  const id = randomUUID();
  return services.store.transaction(async (tx) => {
    const { rows } = await tx.query<{ known: boolean; prior: number }>(
      `select exists(select 1 from children where nhs_number = $1) as known,
              (select count(*)::int from break_glass where user_id = $2 and review_status = 'pending-review') as prior`,
      [input.child, principal.userId],
    );
    const { known, prior } = rows[0];
    await tx.query(
      `insert into break_glass (id, child, user_id, role, org_code, reason_code, reason, started_at, expires_at, child_known, prior_unreviewed, duration_minutes, request_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [id, input.child, principal.userId, principal.role, principal.orgCode ?? '', input.reasonCode, input.reason, now.toISOString(),
        expiresAt.toISOString(), known, prior, minutes, requestId],
    );
    const consistencyToken = await recordChange(tx, 'break-glass', id);
    const record = {
      id, child: input.child, reasonCode: input.reasonCode, startedAt: now.toISOString(), expiresAt: expiresAt.toISOString(),
      durationMinutes: minutes, flagged: prior > 0, priorUnreviewed: prior,
    };
    const alertId = await enqueueAlert(tx, {
      kind: 'break-glass', child: input.child, ref: id, now,
      payload: { breakGlassId: id, user: principal.userId, role: principal.role, org: principal.orgCode, reasonCode: input.reasonCode,
        reason: input.reason, startedAt: record.startedAt, expiresAt: record.expiresAt, flagged: record.flagged, priorUnreviewed: prior, childKnown: known },
      recipients: await alertRecipients(tx, input.child, true),
    });
    await services.audit.appendWithin(tx, [{
      kind: 'break-glass', actor: actorOf(principal), child: input.child, purpose: 'BTG', breakGlass: true, requestId, policyVersion: version,
      details: { breakGlassId: id, reasonCode: input.reasonCode, reason: input.reason, durationMinutes: minutes, expiresAt: record.expiresAt,
        childKnown: known, priorUnreviewed: prior, flagged: record.flagged, alertId },
    }]);
    return { ...record, consistencyToken };
  });
}

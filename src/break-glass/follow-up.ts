/**
 * Closing the follow-up a review opened (outcome 'follow-up'): an IG officer records how it ended and a
 * note, once; closing what is not an open follow-up is 409 (404 for an unknown id). The declarer may not
 * close her own, as she may not review it (separation of duties): 403, audited. The close and its trail
 * event (kind 'break-glass-follow-up-close') are one AuditedChanges unit.
 */
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { Conflict, NotAllowed, NotFound } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { selfReviewRefusal, type RefusalTrail } from '../policy/separation.ts';
import { breakGlassForUpdate, closeFollowUp } from '../store/tables/break-glass.ts';
import { breakGlassView } from './view.ts';

export const FOLLOW_UP_OUTCOMES = ['appropriate', 'inappropriate', 'referred'] as const;

export interface CloseFollowUpInput {
  outcome: (typeof FOLLOW_UP_OUTCOMES)[number];
  note: string;
}

class SelfClose extends Error {
  constructor(readonly child: string) {
    super('SELF_REVIEW');
  }
}

export async function closeBreakGlassFollowUp(
  deps: { changes: AuditedChanges; trail: RefusalTrail; policy: Policy }, principal: Principal, id: string, input: CloseFollowUpInput, requestId: string,
) {
  const { parameters, version } = deps.policy;
  try {
    const { value, consistencyToken } = await deps.changes.run(async (c) => {
      const existing = await breakGlassForUpdate(c.tx, id);
      if (!existing) throw new NotFound('no break-glass with this id');
      if (selfReviewRefusal(parameters.separationOfDuties, principal.userId, existing.user_id)) throw new SelfClose(existing.child);
      const row = await closeFollowUp(c.tx, id, principal.userId, input.outcome, input.note, c.now);
      if (!row) {
        throw new Conflict(existing.follow_up_status === 'closed'
          ? `this follow-up was already closed at ${new Date(existing.follow_up_closed_at!).toISOString()}`
          : 'this break-glass has no open follow-up (its review did not ask for one)');
      }
      const bg = breakGlassView(row, c.now, parameters.breakGlass.reviewOverdueDays);
      c.factChanged('break-glass-follow-up', id);
      c.audit({
        kind: 'break-glass-follow-up-close', actor: actorOf(principal), child: bg.child, requestId, policyVersion: version,
        details: { breakGlassId: id, user: bg.user, followUp: row.follow_up, outcome: input.outcome, note: input.note },
      });
      return bg;
    });
    return { ...value, consistencyToken: consistencyToken! };
  } catch (err) {
    if (!(err instanceof SelfClose)) throw err;
    await deps.trail.appendOne({
      kind: 'break-glass-follow-up-close', actor: actorOf(principal), child: err.child, decision: 'deny', requestId, policyVersion: version,
      details: { breakGlassId: id, reason: 'SELF_REVIEW', outcome: input.outcome },
    });
    throw new NotAllowed('you may not close the follow-up of a break-glass you declared yourself (separation of duties)');
  }
}

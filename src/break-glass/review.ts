/**
 * An IG officer's review of one break-glass (appropriate / inappropriate / follow-up), once: a second
 * review is 409. The outcome 'follow-up' opens a follow-up (`followUp`: what is to be done; the notes
 * when not given), which stays in the follow-up queue until closed (follow-up.ts). Nobody reviews a break-glass they declared themselves, whatever role they now act
 * under (separation of duties, policy data): 403, and the refusal is audited. The review is itself an
 * audit event (kind 'break-glass-review'), in the same transaction.
 */
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { Conflict, InvalidInput, NotAllowed, NotFound } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { selfReviewRefusal, type RefusalTrail } from '../policy/separation.ts';
import { breakGlassForUpdate, recordReview } from '../store/tables/break-glass.ts';
import { breakGlassView } from './view.ts';

export interface ReviewInput {
  outcome: 'appropriate' | 'inappropriate' | 'follow-up';
  notes: string;
  /** What is to be done: only with the outcome 'follow-up'. */
  followUp?: string;
}

class SelfReview extends Error {
  constructor(readonly child: string) {
    super('SELF_REVIEW');
  }
}

export async function reviewBreakGlass(
  deps: { changes: AuditedChanges; trail: RefusalTrail; policy: Policy }, principal: Principal, id: string, input: ReviewInput, requestId: string,
) {
  const { parameters, version } = deps.policy;
  if (input.followUp !== undefined && input.outcome !== 'follow-up') {
    throw new InvalidInput({ field: 'body.followUp', message: 'is given only with the outcome follow-up' });
  }
  const followUp = input.outcome === 'follow-up' ? (input.followUp ?? input.notes) : null;
  try {
    const { value, consistencyToken } = await deps.changes.run(async (c) => {
      const existing = await breakGlassForUpdate(c.tx, id);
      if (!existing) throw new NotFound('no break-glass with this id');
      if (selfReviewRefusal(parameters.separationOfDuties, principal.userId, existing.user_id)) throw new SelfReview(existing.child);
      const row = await recordReview(c.tx, id, principal.userId, input.outcome, input.notes, followUp, c.now);
      if (!row) throw new Conflict(`this break-glass was already reviewed at ${new Date(existing.reviewed_at!).toISOString()}`);
      const bg = breakGlassView(row, c.now, parameters.breakGlass.reviewOverdueDays);
      c.factChanged('break-glass-review', id);
      c.audit({
        kind: 'break-glass-review', actor: actorOf(principal), child: bg.child, requestId, policyVersion: version,
        details: { breakGlassId: id, user: bg.user, outcome: input.outcome, notes: input.notes, startedAt: bg.startedAt, ...(followUp === null ? {} : { followUp }) },
      });
      return bg;
    });
    return { ...value, consistencyToken: consistencyToken! };
  } catch (err) {
    if (!(err instanceof SelfReview)) throw err;
    // Outside the rolled-back change: the refusal changes no fact, but it is on the trail.
    await deps.trail.appendOne({
      kind: 'break-glass-review', actor: actorOf(principal), child: err.child, decision: 'deny', requestId, policyVersion: version,
      details: { breakGlassId: id, reason: 'SELF_REVIEW', outcome: input.outcome },
    });
    throw new NotAllowed('you may not review a break-glass you declared yourself (separation of duties): another IG officer must review it');
  }
}

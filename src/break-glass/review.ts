/**
 * An IG officer's review of one break-glass (appropriate / inappropriate / follow-up), once: a second
 * review is 409. The review is itself an audit event (kind 'break-glass-review'), in the same transaction.
 */
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import { conflict, notFound } from '../http/problem.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from '../feeds/changes.ts';
import { breakGlassView, type BreakGlassRow } from './view.ts';

export interface ReviewInput {
  outcome: 'appropriate' | 'inappropriate' | 'follow-up';
  notes: string;
}

export async function reviewBreakGlass(services: Services, principal: Principal, id: string, input: ReviewInput, requestId: string) {
  const now = services.now();
  const { parameters, version } = services.policy.current;
  return services.store.transaction(async (tx) => {
    const { rows } = await tx.query<BreakGlassRow>(
      `update break_glass set review_status = 'reviewed', reviewed_by = $2, reviewed_at = $3, outcome = $4, notes = $5
        where id = $1 and review_status = 'pending-review' returning *`,
      [id, principal.userId, now.toISOString(), input.outcome, input.notes],
    );
    if (!rows[0]) {
      const existing = await tx.query<{ reviewed_at: Date | string }>('select reviewed_at from break_glass where id = $1', [id]);
      if (!existing.rows[0]) throw notFound('no break-glass with this id');
      throw conflict(`this break-glass was already reviewed at ${new Date(existing.rows[0].reviewed_at).toISOString()}`);
    }
    const bg = breakGlassView(rows[0], now, parameters.breakGlass.reviewOverdueDays);
    const consistencyToken = await recordChange(tx, 'break-glass-review', id);
    await services.audit.appendWithin(tx, [{
      kind: 'break-glass-review', actor: actorOf(principal), child: bg.child, requestId, policyVersion: version,
      details: { breakGlassId: id, user: bg.user, outcome: input.outcome, notes: input.notes, startedAt: bg.startedAt },
    }]);
    return { ...bg, consistencyToken };
  });
}

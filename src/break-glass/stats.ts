/**
 * Break-glass rates, so that exception access stays rare enough to review: per user and per
 * organisation, counts in [from, to) by start time, the rate per 30 days, the review outcomes so far
 * and how many were declared while an earlier one was still unreviewed (flagged).
 */
import type { Queryable } from '../store/store.ts';
import { breakGlassCounts, type BreakGlassCounts as Row } from '../store/tables/break-glass.ts';

const DAY = 86_400_000;

const round = (n: number) => Math.round(n * 100) / 100;

export async function breakGlassStats(db: Queryable, from: Date, to: Date) {
  const days = Math.max((to.getTime() - from.getTime()) / DAY, 1 / 24);
  const per30 = (n: number) => round((n * 30) / days);
  const { byUser, byOrg } = await breakGlassCounts(db, from, to);
  const outcomes = (r: Row) => ({
    count: r.total,
    perThirtyDays: per30(r.total),
    reviewed: r.reviewed,
    inappropriate: r.inappropriate,
    followUp: r.follow_up,
    pending: r.pending,
    flagged: r.flagged,
    inappropriateRate: r.reviewed ? round(r.inappropriate / r.reviewed) : null,
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    days: round(days),
    total: byOrg.reduce((n, r) => n + r.total, 0),
    users: byUser.map((r) => ({ user: r.key, org: r.org, roles: r.roles, ...outcomes(r) })),
    organisations: byOrg.map((r) => ({ org: r.key, users: r.users, ...outcomes(r), perUserPerThirtyDays: round(per30(r.total) / r.users) })),
  };
}

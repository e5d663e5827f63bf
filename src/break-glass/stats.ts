/**
 * Break-glass rates, so that exception access stays rare enough to review: per user and per
 * organisation, counts in [from, to) by start time, the rate per 30 days, the review outcomes so far
 * and how many were declared while an earlier one was still unreviewed (flagged).
 */
import type { Queryable } from '../store/store.ts';

const DAY = 86_400_000;

interface Row {
  key: string;
  org: string;
  roles: string[];
  users: number;
  total: number;
  reviewed: number;
  inappropriate: number;
  follow_up: number;
  pending: number;
  flagged: number;
}

const counts = `count(*)::int as total,
  count(*) filter (where review_status = 'reviewed')::int as reviewed,
  count(*) filter (where outcome = 'inappropriate')::int as inappropriate,
  count(*) filter (where outcome = 'follow-up')::int as follow_up,
  count(*) filter (where review_status = 'pending-review')::int as pending,
  count(*) filter (where prior_unreviewed > 0)::int as flagged,
  count(distinct user_id)::int as users,
  array_agg(distinct role order by role) as roles`;

const round = (n: number) => Math.round(n * 100) / 100;

export async function breakGlassStats(db: Queryable, from: Date, to: Date) {
  const days = Math.max((to.getTime() - from.getTime()) / DAY, 1 / 24);
  const per30 = (n: number) => round((n * 30) / days);
  const params = [from.toISOString(), to.toISOString()];
  const window = 'where started_at >= $1::timestamptz and started_at < $2::timestamptz';
  const [byUser, byOrg] = await Promise.all([
    db.query<Row>(`select user_id as key, min(org_code) as org, ${counts} from break_glass ${window} group by user_id order by total desc, user_id`, params),
    db.query<Row>(`select org_code as key, org_code as org, ${counts} from break_glass ${window} group by org_code order by total desc, org_code`, params),
  ]);
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
    total: byOrg.rows.reduce((n, r) => n + r.total, 0),
    users: byUser.rows.map((r) => ({ user: r.key, org: r.org, roles: r.roles, ...outcomes(r) })),
    organisations: byOrg.rows.map((r) => ({ org: r.key, users: r.users, ...outcomes(r), perUserPerThirtyDays: round(per30(r.total) / r.users) })),
  };
}

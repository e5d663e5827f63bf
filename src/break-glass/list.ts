/**
 * IG's review queue: break-glass by review status and start time, newest first, each with the number
 * of reads made under it, counted from the audit trail (decision events of that user and child,
 * flagged break-glass, naming this breakGlassId).
 */
import type { Queryable } from '../store/store.ts';
import { breakGlassView, type BreakGlassRow } from './view.ts';

export interface BreakGlassQuery {
  status?: 'pending-review' | 'reviewed';
  from?: string;
  to?: string;
  limit: number;
}

const SQL = `
select b.*, coalesce(r.reads, 0) as reads, coalesce(r.decisions, 0) as decisions
  from break_glass b
  left join lateral (
    select count(*) filter (where e.decision = 'permit')::int as reads, count(*)::int as decisions
      from audit_events e
     where e.actor = b.user_id and e.child = b.child and e.kind = 'decision' and e.break_glass
       and (e.body::jsonb -> 'details' ->> 'breakGlassId') = b.id
  ) r on true
 where ($1::text is null or b.review_status = $1) and ($2::timestamptz is null or b.started_at >= $2) and ($3::timestamptz is null or b.started_at < $3)
 order by b.started_at desc, b.id limit $4`;

export async function listBreakGlass(db: Queryable, q: BreakGlassQuery, now: Date, overdueDays: number) {
  const { rows } = await db.query<BreakGlassRow & { reads: number; decisions: number }>(SQL, [q.status ?? null, q.from ?? null, q.to ?? null, q.limit]);
  return rows.map((r) => breakGlassView(r, now, overdueDays, { reads: r.reads, decisions: r.decisions }));
}

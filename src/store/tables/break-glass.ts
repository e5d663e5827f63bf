/** The break_glass table: declarations of exception access, their reviews, and the counts IG watches. */
import type { Queryable } from '../store.ts';

export interface BreakGlassRow {
  id: string;
  child: string;
  user_id: string;
  role: string;
  org_code: string;
  reason_code: string;
  reason: string;
  started_at: Date | string;
  expires_at: Date | string;
  duration_minutes: number | null;
  child_known: boolean;
  prior_unreviewed: number;
  review_status: string;
  reviewed_by: string | null;
  reviewed_at: Date | string | null;
  outcome: string | null;
  notes: string | null;
}

export type NewBreakGlass = Pick<BreakGlassRow, 'id' | 'child' | 'user_id' | 'role' | 'org_code' | 'reason_code' | 'reason' | 'child_known' | 'prior_unreviewed' | 'duration_minutes'> & {
  started_at: Date;
  expires_at: Date;
  request_id: string;
};

/** Whether the child was fed, and how many of the user's break-glass still await review. */
export async function childKnownAndPriorUnreviewed(db: Queryable, child: string, userId: string): Promise<{ known: boolean; prior: number }> {
  const { rows } = await db.query<{ known: boolean; prior: number }>(
    `select exists(select 1 from children where nhs_number = $1) as known,
            (select count(*)::int from break_glass where user_id = $2 and review_status = 'pending-review') as prior`,
    [child, userId],
  );
  return rows[0];
}

export async function insertBreakGlass(tx: Queryable, b: NewBreakGlass): Promise<void> {
  await tx.query(
    `insert into break_glass (id, child, user_id, role, org_code, reason_code, reason, started_at, expires_at, child_known, prior_unreviewed, duration_minutes, request_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [b.id, b.child, b.user_id, b.role, b.org_code, b.reason_code, b.reason, b.started_at.toISOString(), b.expires_at.toISOString(),
      b.child_known, b.prior_unreviewed, b.duration_minutes, b.request_id],
  );
}

/** The break-glass, locked for the caller's transaction; undefined for an unknown id. */
export async function breakGlassForUpdate(tx: Queryable, id: string): Promise<BreakGlassRow | undefined> {
  return (await tx.query<BreakGlassRow>('select * from break_glass where id = $1 for update', [id])).rows[0];
}

/** Records the review of a break-glass still pending; undefined when it was not pending. */
export async function recordReview(tx: Queryable, id: string, by: string, outcome: string, notes: string, now: Date): Promise<BreakGlassRow | undefined> {
  const { rows } = await tx.query<BreakGlassRow>(
    `update break_glass set review_status = 'reviewed', reviewed_by = $2, reviewed_at = $3, outcome = $4, notes = $5
      where id = $1 and review_status = 'pending-review' returning *`,
    [id, by, now.toISOString(), outcome, notes],
  );
  return rows[0];
}

export interface BreakGlassFilter {
  status?: 'pending-review' | 'reviewed';
  from?: string;
  to?: string;
  limit: number;
}

/**
 * Newest first, each with the reads made under it, counted from the audit trail (decision events of
 * that user and child, flagged break-glass, naming this breakGlassId).
 */
export async function listBreakGlass(db: Queryable, f: BreakGlassFilter): Promise<(BreakGlassRow & { reads: number; decisions: number })[]> {
  const { rows } = await db.query<BreakGlassRow & { reads: number; decisions: number }>(
    `select b.*, coalesce(r.reads, 0) as reads, coalesce(r.decisions, 0) as decisions
       from break_glass b
       left join lateral (
         select count(*) filter (where e.decision = 'permit')::int as reads, count(*)::int as decisions
           from audit_events e
          where e.actor = b.user_id and e.child = b.child and e.kind = 'decision' and e.break_glass
            and (e.body::jsonb -> 'details' ->> 'breakGlassId') = b.id
       ) r on true
      where ($1::text is null or b.review_status = $1) and ($2::timestamptz is null or b.started_at >= $2) and ($3::timestamptz is null or b.started_at < $3)
      order by b.started_at desc, b.id limit $4`,
    [f.status ?? null, f.from ?? null, f.to ?? null, f.limit],
  );
  return rows;
}

export interface BreakGlassCounts {
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

const COUNTS = `count(*)::int as total,
  count(*) filter (where review_status = 'reviewed')::int as reviewed,
  count(*) filter (where outcome = 'inappropriate')::int as inappropriate,
  count(*) filter (where outcome = 'follow-up')::int as follow_up,
  count(*) filter (where review_status = 'pending-review')::int as pending,
  count(*) filter (where prior_unreviewed > 0)::int as flagged,
  count(distinct user_id)::int as users,
  array_agg(distinct role order by role) as roles`;
const WINDOW = 'where started_at >= $1::timestamptz and started_at < $2::timestamptz';

/** Counts in [from, to) by start time, per user and per organisation, largest first. */
export async function breakGlassCounts(db: Queryable, from: Date, to: Date): Promise<{ byUser: BreakGlassCounts[]; byOrg: BreakGlassCounts[] }> {
  const params = [from.toISOString(), to.toISOString()];
  const [byUser, byOrg] = await Promise.all([
    db.query<BreakGlassCounts>(`select user_id as key, min(org_code) as org, ${COUNTS} from break_glass ${WINDOW} group by user_id order by total desc, user_id`, params),
    db.query<BreakGlassCounts>(`select org_code as key, org_code as org, ${COUNTS} from break_glass ${WINDOW} group by org_code order by total desc, org_code`, params),
  ]);
  return { byUser: byUser.rows, byOrg: byOrg.rows };
}

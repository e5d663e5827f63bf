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
  /** Set when the review's outcome was 'follow-up' (migration 015): what is to be done, and how it was closed. */
  follow_up: string | null;
  follow_up_status: 'open' | 'closed' | null;
  follow_up_outcome: string | null;
  follow_up_note: string | null;
  follow_up_closed_by: string | null;
  follow_up_closed_at: Date | string | null;
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

/**
 * Records the review of a break-glass still pending; undefined when it was not pending. `followUp`
 * (what is to be done) opens a follow-up; it is given with the outcome 'follow-up' only.
 */
export async function recordReview(
  tx: Queryable, id: string, by: string, outcome: string, notes: string, followUp: string | null, now: Date,
): Promise<BreakGlassRow | undefined> {
  const { rows } = await tx.query<BreakGlassRow>(
    `update break_glass set review_status = 'reviewed', reviewed_by = $2, reviewed_at = $3, outcome = $4, notes = $5,
            follow_up = $6, follow_up_status = case when $6::text is null then null else 'open' end
      where id = $1 and review_status = 'pending-review' returning *`,
    [id, by, now.toISOString(), outcome, notes, followUp],
  );
  return rows[0];
}

/** Closes an open follow-up; undefined when there was none open. */
export async function closeFollowUp(tx: Queryable, id: string, by: string, outcome: string, note: string, now: Date): Promise<BreakGlassRow | undefined> {
  const { rows } = await tx.query<BreakGlassRow>(
    `update break_glass set follow_up_status = 'closed', follow_up_outcome = $3, follow_up_note = $4, follow_up_closed_by = $2, follow_up_closed_at = $5
      where id = $1 and follow_up_status = 'open' returning *`,
    [id, by, outcome, note, now.toISOString()],
  );
  return rows[0];
}

/** Whether the break-glass is about a child living in one of these areas. */
export async function breakGlassInAreas(db: Queryable, child: string, areas: string[]): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('select exists(select 1 from children where nhs_number = $1 and area = any($2::text[])) as ok', [child, areas]);
  return rows[0].ok;
}

export interface ReadUnder {
  id: string;
  ts: Date | string;
  section: string | null;
  decision: string | null;
}

/** The section decisions asked under a break-glass, oldest first (from the audit trail). */
export async function readsUnder(db: Queryable, b: Pick<BreakGlassRow, 'id' | 'user_id' | 'child'>, limit = 500): Promise<ReadUnder[]> {
  const { rows } = await db.query<ReadUnder>(
    `select e.id, e.ts, e.section, e.decision from audit_events e
      where e.actor = $2 and e.child = $3 and e.kind = 'decision' and e.break_glass
        and (e.body::jsonb -> 'details' ->> 'breakGlassId') = $1
      order by e.seq limit $4`,
    [b.id, b.user_id, b.child, limit],
  );
  return rows;
}

export interface BreakGlassFilter {
  status?: 'pending-review' | 'reviewed';
  /** Reviewed with 'follow-up', and that follow-up still open or closed. */
  followUp?: 'open' | 'closed';
  /** Pending and started before this instant (the overdue cut-off). */
  startedBefore?: string;
  from?: string;
  to?: string;
  /** One break-glass by id. */
  id?: string;
  /** Only about children of these areas (a safeguarding lead's); null or absent for all. */
  areas?: string[] | null;
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
        and ($5::text is null or b.follow_up_status = $5)
        and ($6::timestamptz is null or (b.review_status = 'pending-review' and b.started_at < $6))
        and ($7::text is null or b.id = $7)
        and ($8::text[] is null or exists (select 1 from children c where c.nhs_number = b.child and c.area = any($8::text[])))
      order by b.started_at desc, b.id limit $4`,
    [f.status ?? null, f.from ?? null, f.to ?? null, f.limit, f.followUp ?? null, f.startedBefore ?? null, f.id ?? null, f.areas ?? null],
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

/**
 * Pruning of the monitoring's per-day state (src/monitoring/prune.ts): the day last pruned, where the
 * runner's cursor stands in time, and the deletes. Cases, notes and the trail are never touched here.
 */
import type { Queryable } from '../store.ts';

/**
 * Marks `day` (a local date) as pruned: false when it already was (by this runner or another, before a
 * restart), so pruning runs at most once per day. The row is locked until the round commits.
 */
export async function claimPruneDay(tx: Queryable, day: string): Promise<boolean> {
  const { rows } = await tx.query<{ id: number }>(
    'update monitoring_prune set day = $1::date, pruned_at = now() where id = 1 and (day is null or day < $1::date) returning id',
    [day],
  );
  return rows.length > 0;
}

/** Time (ms) of the first trail event the runner has not read yet, or null when it has read them all. */
export async function firstUnreadMs(tx: Queryable): Promise<number | null> {
  const { rows } = await tx.query<{ ms: number }>(
    `select (extract(epoch from a.ts) * 1000)::float8 as ms
       from monitoring_cursor c join audit_events a on a.seq = c.seq where c.id = 1`,
    [],
  );
  return rows.length ? Number(rows[0].ms) : null;
}

/** Deletes the reads and day counts of days before `keepFrom` (a date); returns how many rows went. */
export async function pruneDayState(tx: Queryable, keepFrom: string): Promise<{ reads: number; userDays: number }> {
  const { rows } = await tx.query<{ reads: string; user_days: string }>(
    `with r as (delete from monitoring_reads where day < $1::date returning 1),
          d as (delete from monitoring_user_days where day < $1::date returning 1),
          p as (update monitoring_prune set kept_from = $1::date where id = 1 returning 1)
     select (select count(*) from r) as reads, (select count(*) from d) as user_days, (select count(*) from p) as marked`,
    [keepFrom],
  );
  return { reads: Number(rows[0].reads), userDays: Number(rows[0].user_days) };
}

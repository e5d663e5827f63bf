/**
 * Pruning: monitoring_reads and monitoring_user_days grow by a day of rows every day, but the detectors
 * only ever read back the volume baseline and the break-glass window (policies/monitoring.json). The
 * runner calls this inside its round (holding the one-runner lock): at most once per local day, it deletes
 * the rows of days more than `retention.days` before the oldest day it still has to read, which is today
 * or, when it lags behind the trail, the day of the first event it has not read. Cases, notes and the
 * trail are never pruned. Deferred checks are deleted as they are taken (takeDueChecks), so none linger.
 */
import type { Queryable } from '../store/store.ts';
import { claimPruneDay, firstUnreadMs, pruneDayState } from '../store/tables/monitoring-prune.ts';
import { daysBefore, LocalClock } from './event.ts';
import type { MonitoringPolicy } from './policy.ts';

export interface PruneResult {
  /** The local day this prune ran for. */
  day: string;
  /** The first day kept: rows of earlier days are gone. */
  keptFrom: string;
  reads: number;
  userDays: number;
}

const clocks = new Map<string, LocalClock>();
const clockFor = (timeZone: string) => clocks.get(timeZone) ?? clocks.set(timeZone, new LocalClock(timeZone)).get(timeZone)!;

/** Prunes once per local day of `now`; null when this day was already pruned (idempotent). */
export async function pruneOncePerDay(tx: Queryable, policy: MonitoringPolicy, now: Date): Promise<PruneResult | null> {
  const local = clockFor(policy.timeZone);
  const day = local.at(now.getTime()).day;
  if (!(await claimPruneDay(tx, day))) return null;
  const unread = await firstUnreadMs(tx);
  const unreadDay = unread === null ? day : local.at(unread).day;
  const keptFrom = daysBefore(unreadDay < day ? unreadDay : day, policy.retention.days);
  return { day, keptFrom, ...(await pruneDayState(tx, keptFrom)) };
}

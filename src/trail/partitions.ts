/** Keeps monthly audit partitions ready ahead of time (this month and the next); see migrations/008. */
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { ensurePartition } from '../store/tables/audit-events.ts';

export async function ensurePartitions(store: Store, now: Date, log?: Logger): Promise<void> {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  for (const month of [now, next]) {
    try {
      await ensurePartition(store, month.toISOString().slice(0, 10));
    } catch (err) {
      // Never fatal: without its partition a month's events go to the default partition.
      log?.warn({ err: (err as Error).message }, 'audit partition not created');
    }
  }
}

/** Runs ensurePartitions now and then daily; returns the stop function. */
export function keepPartitions(store: Store, now: () => Date, log?: Logger): () => void {
  void ensurePartitions(store, now(), log);
  const timer = setInterval(() => void ensurePartitions(store, now(), log), 24 * 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}

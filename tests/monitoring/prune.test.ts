/**
 * Pruning of the monitoring's per-day state (src/monitoring/prune.ts) through the runner's rounds: days
 * older than the policy's retention go, newer days stay, a lagging runner keeps what its unread events
 * need, a second prune the same day changes nothing, and the volume baseline survives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { Store } from '../../src/store/store.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { MonitoringRunner } from '../../src/monitoring/runner.ts';
import { loadMonitoringPolicy, parseMonitoringPolicy } from '../../src/monitoring/policy.ts';
import { pruneDayState } from '../../src/store/tables/monitoring-prune.ts';
import { appendTimed, type TimedEvent } from '../../bench/monitoring/trail-writer.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5); // a Monday in January: Europe/London is on GMT, local days = UTC days
const at = (day: number, hour: number, minute = 0) => START + day * DAY + (hour * 60 + minute) * 60_000;
const dayOf = (day: number) => new Date(at(day, 0)).toISOString().slice(0, 10);
/** The shipped thresholds and retention; every hour a working hour, so that weekend reads open no case. */
const base = loadMonitoringPolicy();
const policy = { ...base, 'out-of-hours': { ...base['out-of-hours'], hours: { default: 'always' as const } } };
const RETENTION = policy.retention.days;

function read(user: string, child: string, ms: number): TimedEvent {
  return {
    at: ms, kind: 'decision', actor: { user, role: 'gp', org: 'K84001', client: 'prune-test' }, child, section: 'demographics',
    action: 'read', purpose: 'TREAT', decision: 'permit', breakGlass: false, requestId: `r-${ms}-${child}`, policyVersion: 'test',
    details: { basis: [{ kind: 'relationship', type: 'gp-registration', via: 'org:K84001' }], obligations: [], reason: { code: 'PERMIT' } },
  };
}

describe('the retention in policies/monitoring.json', () => {
  it('must be longer than every baseline and window that reads the per-day state', () => {
    const raw = JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
    expect(() => parseMonitoringPolicy({ ...raw, retention: { days: policy.volume.baselineDays } })).toThrow(/retention/);
    expect(() => parseMonitoringPolicy({ ...raw, retention: { days: policy['break-glass-rate'].windowDays } })).toThrow(/retention/);
    expect(parseMonitoringPolicy(raw).retention.days).toBe(RETENTION);
  });
});

describe.each(storeKinds)('pruning the monitoring per-day state ($name)', (kind) => {
  let store: Store;
  let runner: MonitoringRunner;
  let now = at(0, 0);
  const count = async (table: 'monitoring_reads' | 'monitoring_user_days') =>
    (await store.query<{ n: number; first: string | null }>(`select count(*)::int as n, min(day)::text as first from ${table}`)).rows[0];

  beforeAll(async () => {
    store = await kind.open();
    // Small batches, so that the runner reads the sixty days below over many rounds (it lags behind the trail).
    runner = new MonitoringRunner({ store, trail: new AuditLog(store, new AuditTree(store)), now: () => new Date(now) }, { ...policy, batchSize: 50 });
    // Sixty days of ordinary work: u1 reads three children a day, u2 two.
    const events: TimedEvent[] = [];
    for (let d = 0; d < 60; d++) {
      for (let k = 0; k < 3; k++) events.push(read('u1', `c${k}`, at(d, 10, k)));
      for (let k = 0; k < 2; k++) events.push(read('u2', `c${k}`, at(d, 11, k)));
    }
    await appendTimed(store, events);
  }, 120_000);
  afterAll(() => store?.close());

  it('a runner catching up on old events keeps every day its unread events still need', async () => {
    now = at(59, 18);
    await runner.drain();
    // The first round (days 0 to 9) pruned, once for this local day, but relative to the first event it had
    // not read yet (day 10), not to now (day 59): every day is still there.
    expect(await count('monitoring_user_days')).toEqual({ n: 120, first: dayOf(0) });
    expect(await count('monitoring_reads')).toEqual({ n: 300, first: dayOf(0) });
    expect((await store.query<{ day: string }>('select day::text as day from monitoring_prune')).rows[0].day).toBe(dayOf(59));
  });

  it('the next local day, rows older than the retention go and newer rows stay', async () => {
    now = at(60, 7);
    expect((await runner.runOnce()).ran).toBe(true);
    const keptFrom = 60 - RETENTION;
    expect(await count('monitoring_user_days')).toEqual({ n: 2 * (60 - keptFrom), first: dayOf(keptFrom) });
    expect(await count('monitoring_reads')).toEqual({ n: 5 * (60 - keptFrom), first: dayOf(keptFrom) });
  });

  it('is idempotent: another round the same day, or the same prune again, deletes nothing', async () => {
    const before = [await count('monitoring_user_days'), await count('monitoring_reads')];
    now = at(60, 8);
    await runner.runOnce();
    expect(await store.transaction((tx) => pruneDayState(tx, dayOf(60 - RETENTION)))).toEqual({ reads: 0, userDays: 0 });
    expect([await count('monitoring_user_days'), await count('monitoring_reads')]).toEqual(before);
  });

  it('still finds a volume spike after pruning: the baseline days were kept', async () => {
    // 80 children in a day: over the baseline limit (40), but under the limit for users without history
    // (150), so the case opens only if the kept days still give u1 a usual day.
    expect(policy.volume.withoutBaseline).toBeGreaterThan(80);
    await appendTimed(store, Array.from({ length: 80 }, (_, k) => read('u1', `spike-${k}`, at(60, 10) + k * 30_000)));
    now = at(60, 12);
    await runner.drain();
    const cases = (await store.query<{ rule: string; user_id: string; day: string }>(
      'select rule, user_id, day::text as day from monitoring_cases')).rows;
    expect(cases).toEqual([{ rule: 'volume', user_id: 'u1', day: dayOf(60) }]);
    // Cases are never pruned, whatever the day.
    now = at(200, 8);
    await runner.runOnce();
    expect(await count('monitoring_user_days')).toEqual({ n: 0, first: null });
    expect((await store.query('select id from monitoring_cases')).rows).toHaveLength(1);
  });
});

/**
 * npm run monitor:lag [-- --quick] [--rate N] [--seconds S] [--children N]: how far privacy monitoring falls
 * behind live traffic. On a fresh store (PGlite in memory, or a fresh schema of the PostgreSQL server named by
 * DATABASE_URL, dropped afterwards) with a generated population, the runner is started as the service starts
 * it (MonitoringRunner.start(1000): a round every second, and again at once while a round fills its batch).
 * Decision events are then appended at a steady rate (default 1,000/s for 60 s; --quick 15 s) through the
 * AuditLog's append, the path authorise takes (group commit of one event-loop turn, Merkle tree extended):
 * each event is due at start + i/rate and appended then, a few per 1 ms timer tick, never in bursts.
 *
 * Lag of an event: from the commit of its append (when the trail holds it) to the commit of the monitoring
 * round that read it (the round whose cursor advance covers its seq). Prints p50/p95/p99/max and whether p95
 * is within the target (5 s). The writer and the runner share this process, as in the service.
 */
import { parseArgs } from 'node:util';
import { openPGlite } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import type { AuditEventInput } from '../../src/trail/event.ts';
import { generatePopulation } from '../../src/population/generate.ts';
import { MonitoringRunner, type RoundResult } from '../../src/monitoring/runner.ts';
import { loadMonitoringPolicy } from '../../src/monitoring/policy.ts';
import { latency } from '../stats.ts';
import { freshSchema } from './schema.ts';

const TARGET_P95_S = 5;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string' },
    children: { type: 'string' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds ?? (values.quick ? 15 : 60));
const url = process.env.DATABASE_URL;

/** Reads a member of staff may make: the children their teams' open relationships tie to them. */
interface Read { user: string; org: string; role: string; child: string; basis: { kind: string; type: string; via: string; relationshipId: string } }

async function plausibleReads(store: Store): Promise<Read[]> {
  const { rows } = await store.query<{ user_id: string; org: string; kind: string; child: string; rel: string; type: string; subject: string }>(
    `select u.id as user_id, u.org_code as org, t.kind, r.child, r.id as rel, r.type, r.subject
       from relationships r join user_teams ut on r.subject = 'team:' || ut.team_id join teams t on t.id = ut.team_id join users u on u.id = ut.user_id
      where r.valid_to is null and r.type not in ('handover', 'self-claimed') order by r.id, u.id limit 50000`);
  return rows.map((r) => ({ user: r.user_id, org: r.org, role: r.kind, child: r.child, basis: { kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.rel } }));
}

/** Observes each round's commit: runOnce resolves after the round's transaction has committed. */
class ObservedRunner extends MonitoringRunner {
  onRound?: (r: RoundResult) => void;

  override async runOnce(options: { wait?: boolean } = {}): Promise<RoundResult> {
    const r = await super.runOnce(options);
    this.onRound?.(r);
    return r;
  }
}

let store: Store;
let drop = async () => {};
if (url) {
  const schema = await freshSchema(url);
  store = await openPostgres({ connectionString: schema.url, max: 8 });
  drop = schema.drop;
} else {
  store = await openPGlite();
}
try {
  await migrate(store);
  const children = Number(values.children ?? (values.quick ? 2_000 : 5_000));
  await generatePopulation(store, { children, seed: 20260201 });
  const reads = await plausibleReads(store);
  if (!reads.length) throw new Error('the population has no team relationships to read');
  const audit = new AuditLog(store, new AuditTree(store));
  const runner = new ObservedRunner({ store, trail: audit, now: () => new Date() }, loadMonitoringPolicy());

  // Commit time (performance.now()) of every appended decision by seq, and each round's commit with its cursor.
  const committedAt = new Map<number, number>();
  const roundsAt: { upto: number; at: number }[] = [];
  let cases = 0;
  runner.onRound = (r) => {
    if (!r.ran) return;
    roundsAt.push({ upto: r.upto, at: performance.now() });
    cases += r.opened;
  };
  // Start from a caught-up cursor (the population load writes no trail events), polling as the service does.
  await runner.drain();
  runner.start(1_000);

  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  let sent = 0;
  let inFlight = 0;
  let lastSeq = -1;
  let failure: Error | undefined;
  const event = (i: number): AuditEventInput => {
    const r = reads[(i * 7919) % reads.length];
    const deny = i % 40 === 0;
    return {
      kind: 'decision', actor: { user: r.user, role: r.role, org: r.org, client: 'monitor-lag-bench' }, child: r.child, section: 'demographics',
      action: 'read', purpose: 'TREAT', decision: deny ? 'deny' : 'permit', breakGlass: false, requestId: `lag-${i}`, policyVersion: 'bench',
      details: { basis: deny ? [] : [r.basis], obligations: [], reason: { code: deny ? 'NO_RELATIONSHIP' : 'PERMIT' } },
    };
  };
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (sent >= total && inFlight === 0) resolve();
    };
    const fire = (i: number) => {
      inFlight++;
      audit.append([event(i)]).then(([e]) => {
        committedAt.set(e.seq, performance.now());
        lastSeq = Math.max(lastSeq, e.seq);
      }, (err: Error) => (failure ??= err)).finally(() => {
        inFlight--;
        finish();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else finish();
    };
    tick();
  });
  const writeSeconds = (performance.now() - start) / 1000;
  if (failure) throw failure;
  // Let the runner catch up with the last event (it keeps polling every second), then stop it.
  const deadline = performance.now() + 120_000;
  const caughtUp = () => (roundsAt.at(-1)?.upto ?? 0) > lastSeq;
  while (!caughtUp() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await runner.stop();
  // Each event's round: the first whose cursor passed its seq (rounds commit in order, cursors only grow).
  const lags: number[] = [];
  let behind = 0;
  for (const [seq, at] of committedAt) {
    let lo = 0;
    let hi = roundsAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (roundsAt[mid].upto > seq) hi = mid;
      else lo = mid + 1;
    }
    if (lo === roundsAt.length) behind++;
    // A round can commit before the append's own promise callback has run: that is no lag at all.
    else lags.push(Math.max(0, roundsAt[lo].at - at));
  }
  const rounds = roundsAt.length;

  const l = latency(lags);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`Monitoring lag: ${url ? 'PostgreSQL' : 'PGlite'}, ${children.toLocaleString('en-GB')} children; ${total.toLocaleString('en-GB')} decision events ` +
    `appended through AuditLog.append at ${rate.toLocaleString('en-GB')}/s for ${seconds} s (took ${writeSeconds.toFixed(1)} s: ${Math.round(total / writeSeconds).toLocaleString('en-GB')}/s); ` +
    `runner polling every 1 s, batch ${runner.policy.batchSize}.`);
  console.log(`Lag from append commit to the commit of the round that read it (${l.n.toLocaleString('en-GB')} events, ${rounds} rounds, ${cases} cases opened): ` +
    `p50 ${s(l.p50)}, p95 ${s(l.p95)}, p99 ${s(l.p99)}, max ${s(l.max)}.`);
  if (behind) console.log(`${behind} events were still unread 120 s after the writing stopped.`);
  console.log(`p95 <= ${TARGET_P95_S} s: ${!behind && l.p95 <= TARGET_P95_S * 1000 ? 'yes' : 'NO'}.`);
} finally {
  await store.close();
  await drop();
}

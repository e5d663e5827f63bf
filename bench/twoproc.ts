/**
 * Two service processes on one PostgreSQL under load at once; afterwards the audit events they wrote
 * must carry every sequence number exactly once, with no gap (the audit_head row lock at work).
 */
import type { Store } from '../src/store/store.ts';
import { load, type LoadFigures, type Request } from './http.ts';
import type { Child } from './processes.ts';
import { round } from './stats.ts';

export interface SequenceCheck {
  events: number;
  distinct: number;
  min: number;
  max: number;
  gapFree: boolean;
}

/** Call with no writer running: events from fromSeq up to the head, each seq exactly once. */
export async function sequenceCheck(store: Store, fromSeq: number): Promise<SequenceCheck> {
  const r = await store.query<{ n: number; d: number; lo: number; hi: number; head: number }>(
    `select count(*)::int8 as n, count(distinct seq)::int8 as d, min(seq) as lo, max(seq) as hi,
            (select tree_size from audit_head) as head
       from audit_events where seq >= $1`,
    [fromSeq],
  );
  const { n, d, lo, hi } = r.rows[0];
  const head = Number(r.rows[0].head);
  const events = Number(n);
  const gapFree = events === Number(d) && (events === 0 || (Number(lo) === fromSeq && Number(hi) - Number(lo) + 1 === events && Number(hi) + 1 === head));
  return { events, distinct: Number(d), min: Number(lo), max: Number(hi), gapFree };
}

export async function twoProcesses(
  store: Store,
  servers: [Child, Child],
  make: () => Request,
  opts: { seconds: number; connections: number },
): Promise<{ loads: LoadFigures[]; totalRequestsPerSecond: number; sequence: SequenceCheck; peakRssMb: number[] }> {
  const before = Number((await store.query<{ t: number }>('select tree_size as t from audit_head')).rows[0].t);
  const loads = await Promise.all(
    servers.map((s, i) => load({ url: `http://127.0.0.1:${s.port}`, target: `service-${i + 1}`, scenario: 'clinic-day', connections: opts.connections, seconds: opts.seconds, make })),
  );
  // Stopping a service finishes its requests in flight and flushes its audit queue: only then is the trail still.
  const peakRssMb = servers.map((s) => round(s.peakRssMb(), 1));
  for (const s of servers) await s.stop();
  const sequence = await sequenceCheck(store, before);
  if (!sequence.gapFree) throw new Error(`two processes: audit sequence is not gap-free: ${JSON.stringify(sequence)}`);
  return { loads, totalRequestsPerSecond: round(loads.reduce((s, l) => s + l.requestsPerSecond, 0)), sequence, peakRssMb };
}

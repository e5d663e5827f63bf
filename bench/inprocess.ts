/**
 * The scenarios in process: authoriseMany() exactly as the route calls it (facts, decision, durable
 * group-committed audit append), without HTTP, JSON or token verification. Every answer is checked.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../src/services.ts';
import type { Cis2Claims } from '../src/identity/claims.ts';
import { authoriseMany } from '../src/authorise/authorise.ts';
import { check, sectionsOf, type Call, type Scenario } from './scenarios.ts';
import { latency, round, saturate, type Latency } from './stats.ts';
import { postgresCpu, postgresCpuSince } from './processes.ts';

export interface InProcessFigures {
  scenario: string;
  concurrency: number;
  callsPerSecond: number;
  sectionsPerSecond: number;
  latency: Latency;
  /** CPU per call: this process (service code plus the small bench loop), and the bench database's PostgreSQL backends. */
  cpuMsPerCall: { node: number; postgres: number };
}

const cpu = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

export async function inProcessBench(
  services: Services,
  list: Scenario[],
  claimsOf: (call: Call) => Cis2Claims,
  opts: { seconds: number; concurrency: number; database: string },
): Promise<InProcessFigures[]> {
  const out: InProcessFigures[] = [];
  for (const s of list) {
    const [u0, p0] = [process.cpuUsage(), postgresCpu(opts.database)];
    const r = await saturate(opts.concurrency, opts.seconds, async () => {
      const call = s.next();
      const results = await authoriseMany(services, claimsOf(call), call.requests, randomUUID());
      const problem = check(call, results);
      if (problem) throw new Error(`in-process ${s.name}: ${problem}`);
      return sectionsOf(call);
    });
    out.push({
      scenario: s.name,
      concurrency: opts.concurrency,
      callsPerSecond: round(r.calls / r.seconds),
      sectionsPerSecond: round(r.units / r.seconds),
      latency: latency(r.ms),
      cpuMsPerCall: { node: round(cpu(u0) * 1000 / r.calls, 2), postgres: round((postgresCpuSince(p0, opts.database) * 1000) / r.calls, 2) },
    });
  }
  return out;
}

/**
 * npm run bench:scale -- --processes 1,2,4 [--children 8000] [--seconds 10] [--connections 25]
 *                        [--database ntk_bench_scale] [--fresh] [--keep] [--out DIR]
 *
 * N service processes on one PostgreSQL database under the clinic-day load, for each N given: total
 * and per-process throughput, latency, and the audit check after each step (every sequence number the
 * step wrote present exactly once, no gap: bench/twoproc.ts). What docs/scaling.md builds on.
 * --connections is per process, so the offered load grows with N. On a machine of few cores, N
 * processes compete with PostgreSQL and the load generator for the same cores: read the figures with
 * the core count beside them. The database is created on DATABASE_URL's server and dropped at the end
 * unless --keep. Writes results-scale.json and results-scale.md to --out (default bench/results).
 * Exit 1 when a step's trail is not gap-free or an answer is wrong.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, databaseUrl, dropDatabase, openBenchStore, serverVersion } from './db.ts';
import { ensurePopulation } from './population.ts';
import { buildFixture } from './fixtures.ts';
import { scenarios } from './scenarios.ts';
import { httpBench } from './http-setup.ts';
import { load, type LoadFigures } from './http.ts';
import { startChild, type Child } from './processes.ts';
import { sequenceCheck, type SequenceCheck } from './twoproc.ts';
import { serviceEnv } from './service-env.ts';
import { round } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,4' },
    children: { type: 'string', default: '8000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '25' },
    database: { type: 'string', default: 'ntk_bench_scale' },
    fresh: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const num = (v: string) => Number(v.replace(/_/g, ''));
const counts = args.processes!.split(',').map(num);
const cfg = { children: num(args.children!), seconds: num(args.seconds!), connections: num(args.connections!) };
if (!counts.every((n) => Number.isInteger(n) && n > 0) || !(cfg.children > 0 && cfg.seconds > 0 && cfg.connections > 0)) {
  console.error('--processes takes whole numbers such as 1,2,4; --children, --seconds and --connections positive numbers');
  process.exit(2);
}
const base = process.env.DATABASE_URL;
if (!base || !/^postgres(ql)?:\/\//.test(base)) {
  console.error('DATABASE_URL must name the PostgreSQL server to run on (the bench creates its own database there)');
  process.exit(2);
}
const outDir = path.resolve(args.out ?? path.join(import.meta.dirname, 'results'));
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

interface Step {
  processes: number;
  totalRequestsPerSecond: number;
  perProcessRequestsPerSecond: number[];
  sectionsPerSecond: number;
  /** Worst p50 and p99 over the processes. */
  latencyMs: { p50: number; p99: number };
  sequence: SequenceCheck;
  peakRssMb: number[];
}

async function step(store: Awaited<ReturnType<typeof openBenchStore>>, n: number, env: Record<string, string>, make: () => import('./http.ts').Request): Promise<Step> {
  const servers: Child[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await startChild('server.ts', env));
    // Warm each process (JIT, connection pool, caches) before the measured run.
    await Promise.all(servers.map((s) => load({ url: `http://127.0.0.1:${s.port}`, target: 'warm', scenario: 'warm', connections: 2, seconds: 2, make })));
    const before = Number((await store.query<{ t: number }>('select tree_size as t from audit_head')).rows[0].t);
    const loads: LoadFigures[] = await Promise.all(
      servers.map((s, i) => load({ url: `http://127.0.0.1:${s.port}`, target: `service-${i + 1}`, scenario: 'clinic-day', connections: cfg.connections, seconds: cfg.seconds, make })),
    );
    const peakRssMb = servers.map((s) => round(s.peakRssMb(), 1));
    // Stopping finishes the requests in flight and flushes each audit queue: only then is the trail still.
    for (const s of servers) await s.stop();
    const sequence = await sequenceCheck(store, before);
    return {
      processes: n,
      totalRequestsPerSecond: round(loads.reduce((a, l) => a + l.requestsPerSecond, 0)),
      perProcessRequestsPerSecond: loads.map((l) => round(l.requestsPerSecond)),
      sectionsPerSecond: round(loads.reduce((a, l) => a + l.sectionsPerSecond, 0)),
      latencyMs: { p50: Math.max(...loads.map((l) => l.latencyMs.p50)), p99: Math.max(...loads.map((l) => l.latencyMs.p99)) },
      sequence,
      peakRssMb,
    };
  } finally {
    for (const s of servers) await s.stop();
  }
}

function markdown(machine: Record<string, unknown>, steps: Step[]): string {
  const rows = steps.map((s) =>
    `| ${s.processes} | ${s.totalRequestsPerSecond.toLocaleString('en-GB')} | ${s.perProcessRequestsPerSecond.join(', ')} | ${s.sectionsPerSecond.toLocaleString('en-GB')} | ${s.latencyMs.p50} / ${s.latencyMs.p99} | ${s.sequence.events.toLocaleString('en-GB')} | ${s.sequence.gapFree ? 'yes' : '**NO**'} |`);
  return [
    `# Scale-out on one PostgreSQL (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Machine: ${JSON.stringify(machine)}`,
    `Load: clinic-day, ${cfg.connections} connections per process, ${cfg.seconds} s per step, ${cfg.children.toLocaleString('en-GB')} children.`,
    '',
    '| processes | req/s total | req/s per process | sections/s | p50 / p99 ms (worst process) | audit events | gap-free |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const work = mkdtempSync(path.join(os.tmpdir(), 'ntk-scale-'));
await createDatabase(base, args.database!, args.fresh);
const url = databaseUrl(base, args.database!);
const store = await openBenchStore(url);
let failed = false;
try {
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, postgres: await serverVersion(store), loadAverageAtStart: os.loadavg().map((x) => round(x, 2)) };
  log(`bench:scale on ${args.database}: ${machine.cores} cores, processes ${counts.join(', ')}`);
  await ensurePopulation(store, cfg.children, 1, log);
  const fixture = await buildFixture(store, 200);
  const clinicDay = scenarios(fixture).find((s) => s.name === 'clinic-day')!;
  const bench = httpBench(fixture);
  const env = { ...serviceEnv(url, work), PORT: '0', ...bench.issuerEnv };
  const steps: Step[] = [];
  for (const n of counts) {
    log(`${n} process(es), ${cfg.connections} connections each, ${cfg.seconds} s`);
    const s = await step(store, n, env, () => bench.request(clinicDay));
    log(`  ${s.totalRequestsPerSecond.toLocaleString('en-GB')} req/s (${s.perProcessRequestsPerSecond.join(' + ')}); p99 ${s.latencyMs.p99} ms; ${s.sequence.events} events, seq ${s.sequence.min}..${s.sequence.max}, gap-free ${s.sequence.gapFree}`);
    steps.push(s);
    if (!s.sequence.gapFree) failed = true;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'results-scale.json'), JSON.stringify({ machine, config: { ...cfg, processes: counts }, steps }, null, 1));
  writeFileSync(path.join(outDir, 'results-scale.md'), markdown(machine, steps));
  log(`written ${path.join(outDir, 'results-scale.md')}`);
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await store.close();
  if (!args.keep) await dropDatabase(base, args.database!);
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

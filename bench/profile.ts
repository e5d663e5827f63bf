/**
 * npm run bench:profile [-- --scenario single-section] [--seconds 10] [--children 8000] [--database ntk_profile]
 *                       [--connections 50 | --rate N] [--processes 1] [--cpu-prof DIR]
 *
 * The quick loop for working on the HTTP path: on a fresh database of its own (8,000 children load in about 2 s), starts
 * the bare express baseline and the service as the full bench does, saturates each with one scenario (or, with --rate, sends it a steady N requests/s), and prints
 * req/s, the ratio, and CPU per request of the service and of PostgreSQL. With --cpu-prof the service runs
 * under `node --cpu-prof` and the functions with the most self time are listed (open the .cpuprofile in
 * Chrome DevTools for the tree). Not a substitute for `npm run bench`: one scenario, no audit trail at scale.
 */
import { parseArgs } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, databaseUrl, openBenchStore } from './db.ts';
import { ensurePopulation } from './population.ts';
import { buildFixture } from './fixtures.ts';
import { scenarios } from './scenarios.ts';
import { httpBench } from './http-setup.ts';
import { load, type Request } from './http.ts';
import { paced } from './paced.ts';
import { cpuMeter, startChild, type Child } from './processes.ts';
import { serviceEnv } from './service-env.ts';
import { round } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'single-section' },
    seconds: { type: 'string', default: '10' },
    children: { type: 'string', default: '8000' },
    database: { type: 'string', default: 'ntk_profile' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string' },
    processes: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
  },
});
const base = process.env.DATABASE_URL;
if (!base || !/^postgres(ql)?:\/\//.test(base)) {
  console.error('DATABASE_URL must name the PostgreSQL server (the profile run creates its own database there)');
  process.exit(2);
}
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const rate = args.rate ? Number(args.rate) : undefined;
const processes = Number(args.processes);
const dbName = args.database!;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Self time by function from a .cpuprofile, most first. */
function topSelf(file: string, n: number): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const counts = new Map<string, number>();
  for (const id of prof.samples) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const k = `${f.functionName || '(anonymous)'} ${where}`.trim();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'ntk-profile-'));
const children: Child[] = [];
try {
  await createDatabase(base, dbName, true); // fresh each time: each run grants children for 29 days
  const url = databaseUrl(base, dbName);
  const store = await openBenchStore(url);
  await ensurePopulation(store, Number(args.children), 1, (s) => console.log(s));
  const fixture = await buildFixture(store, 200);
  await store.close();
  const scenario = scenarios(fixture).find((s) => s.name === args.scenario);
  if (!scenario) throw new Error(`no scenario ${args.scenario}`);

  const bench = httpBench(fixture);
  const make = () => bench.request(scenario);
  const noopRequest = () => bench.noop(scenario);

  const profDir = args['cpu-prof'] ? path.resolve(args['cpu-prof']) : undefined;
  const services: Child[] = [];
  for (let i = 0; i < processes; i++) {
    services.push(await startChild('server.ts', { ...serviceEnv(url, work), PORT: '0', ...bench.issuerEnv }, profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []));
  }
  children.push(...services);
  const svc = services[0];
  const noop = await startChild('noop-server.ts', { PORT: '0' });
  children.push(noop);
  const at = (c: Child) => `http://127.0.0.1:${c.port}`;

  await load({ url: at(noop), target: 'warm', scenario: 'warm', connections: 20, seconds: 2, make: noopRequest });
  for (const c of services) await load({ url: at(c), target: 'warm', scenario: 'warm', connections: 20, seconds: 2, make });
  /** Loads the given processes at once (the rate or the connections split between them); figures summed. */
  const measure = async (cs: Child[], name: string, mk: () => Request) => {
    const meter = cpuMeter(cs.map((c) => c.pid), dbName);
    const each = await Promise.all(cs.map((c) => rate
      ? paced({ url: at(c), target: name, scenario: scenario.name, rate: rate / cs.length, seconds, make: mk })
      : load({ url: at(c), target: name, scenario: scenario.name, connections: Math.ceil(connections / cs.length), seconds, make: mk })));
    const f = { ...each[0], requests: each.reduce((a, x) => a + x.requests, 0), requestsPerSecond: each.reduce((a, x) => a + x.requestsPerSecond, 0) };
    const cpu = meter(f.requests);
    console.log(`${name.padEnd(8)} ${f.requestsPerSecond.toFixed(0).padStart(6)} req/s  (first process:) p50 ${f.latencyMs.p50} ms  p90 ${f.latencyMs.p90} ms  p99 ${f.latencyMs.p99} ms  max ${f.latencyMs.max} ms  CPU/request ${cpu.target} ms + PostgreSQL ${cpu.postgres} ms + load generator ${cpu.loadGenerator} ms`);
    return f;
  };
  const n = await measure([noop], 'no-op', noopRequest);
  const s = await measure(services, processes > 1 ? `service ×${processes}` : 'service', make);
  console.log(`ratio ${round(s.requestsPerSecond / n.requestsPerSecond, 3)}× (${scenario.name}, ${rate ? `steady ${rate}/s` : `${connections} connections`}, ${seconds} s; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  // Where the service's time went, by its own /metrics: authorise (facts, decision, audit) and the event loop.
  for (const c of services) {
    const metrics = await (await fetch(`${at(c)}/metrics`)).text();
    for (const line of metrics.split('\n')) {
      if (/^(ntk_authorise_seconds_(sum|count)|ntk_audit_batches_total|nodejs_eventloop_lag_(p50|p99|max)_seconds|ntk_http_request_seconds_(sum|count)\{[^}]*route="\/v1\/authorise")/.test(line)) console.log(`  ${line}`);
    }
    console.log(`  service peak RSS ${round(c.peakRssMb(), 1)} MB`);
  }
  for (const c of services) await c.stop();
  await noop.stop();
  if (profDir) {
    // tsx's loader thread writes a profile of its own: the service's main thread is the largest.
    const newest = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${svc.pid}.`))
      .map((f) => path.join(profDir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    console.log(`\n${newest}: self time of busy samples, top 40 (the whole run, warm-up included)`);
    for (const line of topSelf(newest, 40)) console.log(line);
  }
} finally {
  for (const c of children) await c.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);

/**
 * npm run bench [-- --quick] [--out DIR] [--audit-events N] [--children N] [--seed S] [--seconds S]
 *               [--database NAME] [--fresh] [--export-events N]
 *
 * On the PostgreSQL server of DATABASE_URL, in a database of its own (full: ntk_bench, kept and reused;
 * quick: a new one, dropped at the end): loads the population and the audit trail unless already there,
 * then measures the engine against Cedar, the scenarios in process and over HTTP against a bare express
 * baseline, two service processes at once, growth from a 100x smaller population, and the audit trail.
 * Writes results-<mode>.json and results-<mode>.md to --out (default bench/results). Exit 1 on any wrong answer.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, databaseUrl, dropDatabase, openBenchStore, serverVersion } from './db.ts';
import { ensurePopulation } from './population.ts';
import { ensureAuditEvents } from './audit-load.ts';
import { buildFixture, claimsFor } from './fixtures.ts';
import { scenarios, type Call } from './scenarios.ts';
import { httpBench } from './http-setup.ts';
import { engineBench } from './engine.ts';
import { inProcessBench } from './inprocess.ts';
import { load, type LoadFigures, type Request } from './http.ts';
import { cpuMeter, startChild, type Child } from './processes.ts';
import { paced } from './paced.ts';
import { sequenceCheck, twoProcesses } from './twoproc.ts';
import { growthPoint } from './growth.ts';
import { inProcessService, serviceEnv as envFor, SERVICE_LOG_LEVEL } from './service-env.ts';
import { auditBench } from './audit-bench.ts';
import { markdown, targets, type Results } from './report.ts';
import { round } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'audit-events': { type: 'string' },
    'export-events': { type: 'string' },
    children: { type: 'string' },
    seed: { type: 'string', default: '1' },
    seconds: { type: 'string' },
    database: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const quick = args.quick!;
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v.replace(/_/g, '')));
const cfg = {
  children: num(args.children, quick ? 8_000 : 800_000),
  seed: num(args.seed, 1),
  auditEvents: num(args['audit-events'], quick ? 200_000 : 10_000_000),
  exportEvents: args['export-events'] === undefined ? undefined : num(args['export-events'], 0),
  httpSeconds: num(args.seconds, quick ? 3 : 10),
  engineSeconds: quick ? 0.5 : 3,
  inProcessSeconds: quick ? 1 : 5,
  samples: quick ? 200 : 1000,
  fixtureSize: quick ? 200 : 1000,
};
const base = process.env.DATABASE_URL;
if (!base || !/^postgres(ql)?:\/\//.test(base)) {
  console.error('DATABASE_URL must name the PostgreSQL server to benchmark on (the bench creates its own database there)');
  process.exit(2);
}
const dbName = quick ? `ntk_bench_quick_${process.pid}` : (args.database ?? 'ntk_bench');
const smallName = quick ? `${dbName}_small` : `${dbName}_small`;
const smallChildren = Math.max(800, Math.round(cfg.children / 100));
const outDir = path.resolve(args.out ?? path.join(import.meta.dirname, 'results'));
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const command = `DATABASE_URL=${base.replace(/\/\/[^@/]*@/, '//…@')} npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`;

async function main(): Promise<Results> {
  const started = Date.now();
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-'));
  const children: Child[] = [];
  await createDatabase(base!, dbName, args.fresh || quick);
  const url = databaseUrl(base!, dbName);
  const store = await openBenchStore(url);
  try {
    const machine = {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      postgres: await serverVersion(store),
      os: `${os.type()} ${os.release()}`,
      loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    };
    log(`bench (${quick ? 'quick' : 'full'}) on database ${dbName}: ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}`);
    const population = await ensurePopulation(store, cfg.children, cfg.seed, log);
    const auditLoad = await ensureAuditEvents(store, url, cfg.auditEvents, log);
    const fixture = await buildFixture(store, cfg.fixtureSize);
    const list = scenarios(fixture);
    const byName = (n: string) => list.find((s) => s.name === n)!;
    const claims = { healthVisitor: claimsFor(fixture.healthVisitor), clinician: claimsFor(fixture.clinician) };
    const claimsOf = (c: Call) => claims[c.actor];

    log('engine: decide() and decideFor() against Cedar');
    const service = await inProcessService(url, work);
    let engine, inProcess;
    try {
      engine = await engineBench(service.services, byName('clinic-day'), claimsOf, { seconds: cfg.engineSeconds, items: 500 });
      log(`  decide ${engine.decide.toLocaleString('en-GB')}/s, decideFor ${engine.decideFor.perSecond.toLocaleString('en-GB')}/s, Cedar ${engine.cedar.toLocaleString('en-GB')}/s; golden agreement ${engine.golden.agree}/${engine.golden.sections}`);
      // A wrong answer fails the run: Cedar must agree on every section, and our engine must give every expected decision.
      if (engine.golden.disagreements.length) throw new Error(`golden cases: ${engine.golden.disagreements.join('; ')}`);
      log('in-process scenarios (authoriseMany with durable audit)');
      inProcess = await inProcessBench(service.services, list, claimsOf, { seconds: cfg.inProcessSeconds, concurrency: 32, database: dbName });
    } finally {
      await service.close();
    }

    // ---- HTTP: the service and the baseline, each in its own process, loaded from this one.
    const bench = httpBench(fixture);
    const serviceEnv = { ...envFor(url, work), PORT: '0', ...bench.issuerEnv };
    const asHttp = (name: string) => () => bench.request(byName(name));
    const noopRequest = () => bench.noop(byName('single-section'));

    log('HTTP: starting the service and the bare express baseline as separate processes');
    const svc = await startChild('server.ts', serviceEnv);
    children.push(svc);
    const noop = await startChild('noop-server.ts', { PORT: '0' });
    children.push(noop);
    const at = (c: Child) => `http://127.0.0.1:${c.port}`;
    const http: LoadFigures[] = [];
    const run = async (c: Child, target: string, scenario: string, make: () => Request, rate?: number, steady = false) => {
      const meter = cpuMeter([c.pid], dbName);
      const f = steady && rate
        ? await paced({ url: at(c), target, scenario, rate, seconds: cfg.httpSeconds, make })
        : await load({ url: at(c), target, scenario, connections: rate ? 20 : 50, seconds: cfg.httpSeconds, rate, make });
      const cpu = (f.cpuMsPerRequest = meter(f.requests));
      log(`  ${target} ${scenario} ${rate ? `${steady ? 'paced' : 'autocannon'} at ${rate}/s` : 'saturated'}: ${f.requestsPerSecond.toLocaleString('en-GB')} req/s, p50 ${f.latencyMs.p50} ms, p99 ${f.latencyMs.p99} ms; CPU/request ${cpu.target} ms + PostgreSQL ${cpu.postgres} ms + load ${cpu.loadGenerator} ms`);
      http.push(f);
      return f;
    };
    // Warm both (JIT, connection pools, caches), unrecorded.
    await load({ url: at(noop), target: 'warm', scenario: 'warm', connections: 20, seconds: 2, make: noopRequest });
    await load({ url: at(svc), target: 'warm', scenario: 'warm', connections: 20, seconds: 2, make: asHttp('clinic-day') });
    await run(noop, 'express-noop', 'noop', noopRequest);
    const saturated = new Map<string, LoadFigures>();
    for (const s of list) saturated.set(s.name, await run(svc, 'service', s.name, asHttp(s.name)));
    // Peak RSS under load: after every scenario at saturation (50 connections), and again after the fixed-rate runs below.
    const peakRssMb = round(svc.peakRssMb(), 1);
    // 1,000 requests/s two ways: autocannon's overallRate (bursts at each second), and a steady paced rate.
    for (const steady of [false, true]) {
      await run(noop, 'express-noop', 'noop', noopRequest, 1000, steady);
      await run(svc, 'service', 'single-section', asHttp('single-section'), 1000, steady);
      await run(svc, 'service', 'record-open-5', asHttp('record-open-5'), 1000, steady);
    }
    // And below saturation: a steady 40% of what the service sustained single-section.
    const easy = Math.max(50, Math.round((saturated.get('single-section')!.requestsPerSecond * 0.4) / 50) * 50);
    if (easy < 1000) {
      await run(noop, 'express-noop', 'noop', noopRequest, easy, true);
      await run(svc, 'service', 'single-section', asHttp('single-section'), easy, true);
    }
    // Offered more than it sustains (1,000/s, where a scenario saturates below that), the service holds the waiting requests.
    const peakRssAfterOverloadMb = round(svc.peakRssMb(), 1);
    log(`  service peak RSS (VmHWM) ${peakRssMb} MB under saturation, ${peakRssAfterOverloadMb} MB after the fixed-rate runs`);
    await svc.stop();
    await noop.stop();

    log('two service processes on one PostgreSQL');
    const pair: [Child, Child] = [await startChild('server.ts', serviceEnv), await startChild('server.ts', serviceEnv)];
    children.push(...pair);
    const two = await twoProcesses(store, pair, asHttp('clinic-day'), { seconds: cfg.httpSeconds, connections: 25 });
    log(`  ${two.totalRequestsPerSecond.toLocaleString('en-GB')} req/s together; ${two.sequence.events.toLocaleString('en-GB')} events, seq ${two.sequence.min}..${two.sequence.max}, gap-free ${two.sequence.gapFree}`);

    log(`growth: ${smallChildren.toLocaleString('en-GB')} vs ${cfg.children.toLocaleString('en-GB')} children`);
    await createDatabase(base!, smallName, quick || args.fresh);
    const smallUrl = databaseUrl(base!, smallName);
    const smallStore = await openBenchStore(smallUrl);
    let growth;
    try {
      await ensurePopulation(smallStore, smallChildren, cfg.seed, log);
      const small = await growthPoint(smallStore, smallUrl, work, smallChildren, cfg.samples);
      const large = await growthPoint(store, url, work, cfg.children, cfg.samples);
      growth = { small, large, ratioP50: round(large.decideFor.p50 / small.decideFor.p50, 2) };
    } finally {
      await smallStore.close();
    }

    const audit = await auditBench(store, { dir: work, seconds: quick ? 2 : 5, samples: cfg.samples, exportEvents: cfg.exportEvents, log });
    if (!audit.verifier.ok) throw new Error(`the verifier rejected the trail: ${audit.verifier.verdict}`);
    log('whole trail: every sequence number exactly once');
    const trail = await sequenceCheck(store, 0);
    if (!trail.gapFree) throw new Error(`the audit trail is not gap-free: ${JSON.stringify(trail)}`);

    const results: Results = {
      mode: quick ? 'quick' : 'full', command, database: dbName, startedAt: new Date(started).toISOString(),
      seconds: round((Date.now() - started) / 1000), machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) },
      settings: { ...cfg, smallChildren, serviceLogLevel: SERVICE_LOG_LEVEL, httpConnections: { saturation: 50, rate: 20 } },
      population, auditLoad, scenarios: list.map((s) => ({ name: s.name, description: s.description })),
      engine, inProcess, http, peakRssMb, peakRssAfterOverloadMb, twoProcesses: two, growth, audit, trail, targets: [],
    };
    results.targets = targets(results);
    return results;
  } finally {
    for (const c of children) await c.stop().catch(() => {});
    await store.close();
    rmSync(work, { recursive: true, force: true });
    if (quick) {
      await dropDatabase(base!, dbName);
      await dropDatabase(base!, smallName);
    }
  }
}

main().then(
  (results) => {
    const md = markdown(results);
    writeFileSync(path.join(outDir, `results-${results.mode}.json`), JSON.stringify(results, null, 1) + '\n');
    writeFileSync(path.join(outDir, `results-${results.mode}.md`), md);
    console.log('\n' + md);
    log(`wrote ${path.join(outDir, `results-${results.mode}.{json,md}`)}`);
    process.exit(0);
  },
  (err) => {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);

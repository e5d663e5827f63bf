/** The results of one run: the targets judged from them, and the Markdown tables for BENCHMARKS.md. */
import type { PopulationInfo } from './population.ts';
import type { AuditLoadInfo } from './audit-load.ts';
import type { EngineFigures } from './engine.ts';
import type { InProcessFigures } from './inprocess.ts';
import type { LoadFigures } from './http.ts';
import type { GrowthPoint } from './growth.ts';
import type { AuditFigures } from './audit-bench.ts';
import type { SequenceCheck } from './twoproc.ts';
import { round, type Latency } from './stats.ts';

export interface Target {
  name: string;
  want: string;
  got: string;
  met: boolean;
}

export interface Results {
  mode: 'quick' | 'full';
  command: string;
  database: string;
  startedAt: string;
  seconds: number;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  population: PopulationInfo;
  auditLoad: AuditLoadInfo;
  scenarios: { name: string; description: string }[];
  engine: EngineFigures;
  inProcess: InProcessFigures[];
  http: LoadFigures[];
  peakRssMb: number;
  peakRssAfterOverloadMb: number;
  twoProcesses: { loads: LoadFigures[]; totalRequestsPerSecond: number; sequence: SequenceCheck; peakRssMb: number[] };
  growth: { small: GrowthPoint; large: GrowthPoint; ratioP50: number };
  audit: AuditFigures;
  trail: SequenceCheck;
  targets: Target[];
}

const n = (x: number, d = 0) => (Number.isFinite(x) ? round(x, d).toLocaleString('en-GB') : '–');
const ms = (x: number) => n(x, x < 10 ? 2 : 1);
const find = (r: Results, target: string, scenario: string, mode: LoadFigures['mode'], rate?: number) =>
  r.http.find((h) => h.target === target && h.scenario === scenario && h.mode === mode && (rate === undefined || h.rate === rate))!;

export function targets(r: Results): Target[] {
  const noop = find(r, 'express-noop', 'noop', 'saturation');
  const single = find(r, 'service', 'single-section', 'saturation');
  const open5 = find(r, 'service', 'record-open-5', 'saturation');
  const singleRate = find(r, 'service', 'single-section', 'paced', 1000);
  const events = r.audit.trailEvents;
  return [
    { name: 'single-section authorise (durable audit) vs no-op express, saturated', want: '≥ 0.5×', got: `${n(single.requestsPerSecond / noop.requestsPerSecond, 2)}× (${n(single.requestsPerSecond)} vs ${n(noop.requestsPerSecond)} req/s)`, met: single.requestsPerSecond >= 0.5 * noop.requestsPerSecond },
    { name: 'single-section p99 at a steady 1,000 req/s', want: '≤ 10 ms', got: `${ms(singleRate.latencyMs.p99)} ms (p50 ${ms(singleRate.latencyMs.p50)} ms; ${n(singleRate.requestsPerSecond)} req/s answered)`, met: singleRate.latencyMs.p99 <= 10 && singleRate.requestsPerSecond >= 950 },
    { name: 'five-section open vs single-section, time per request at saturation', want: '< 2×', got: `${n(single.requestsPerSecond / open5.requestsPerSecond, 2)}× (${n(open5.requestsPerSecond)} vs ${n(single.requestsPerSecond)} req/s)`, met: single.requestsPerSecond / open5.requestsPerSecond < 2 },
    { name: 'engine vs Cedar, section decisions/s over the same facts', want: '≥ 1×', got: `${n(r.engine.engineVsCedar, 1)}× (${n(r.engine.decide)} vs ${n(r.engine.cedar)}/s)`, met: r.engine.decide >= r.engine.cedar },
    { name: 'Cedar policy agrees with the engine on the golden cases', want: 'all sections', got: `${r.engine.golden.agree}/${r.engine.golden.sections}`, met: r.engine.golden.agree === r.engine.golden.sections },
    { name: `child-history search p95 (${n(events)} events)`, want: '≤ 20 ms', got: `${ms(r.audit.childHistory.p95)} ms`, met: r.audit.childHistory.p95 <= 20 },
    { name: `user-history search p95 (${n(events)} events)`, want: '≤ 20 ms', got: `${ms(r.audit.userHistory.p95)} ms`, met: r.audit.userHistory.p95 <= 20 },
    { name: 'verifier vs raw SHA-256 of the same lines', want: '≥ 0.3×', got: `${n(r.audit.verifierVsRaw, 2)}×`, met: r.audit.verifierVsRaw >= 0.3 },
    { name: `decision p50, ${n(r.growth.large.children)} vs ${n(r.growth.small.children)} children`, want: '≤ 1.25×', got: `${n(r.growth.ratioP50, 2)}× (${ms(r.growth.large.decideFor.p50)} vs ${ms(r.growth.small.decideFor.p50)} ms)`, met: r.growth.ratioP50 <= 1.25 },
    { name: `service peak RSS under load (${n(r.population.children)} children, every HTTP run: saturated and fixed-rate)`, want: '≤ 300 MB', got: `${n(r.peakRssAfterOverloadMb)} MB (${n(r.peakRssMb)} MB after the saturated runs)`, met: r.peakRssAfterOverloadMb <= 300 },
    { name: 'two processes: audit sequence gap-free, no duplicates', want: 'yes', got: r.twoProcesses.sequence.gapFree ? `yes (${n(r.twoProcesses.sequence.events)} events)` : 'NO', met: r.twoProcesses.sequence.gapFree },
  ];
}

const lat = (l: Latency) => `${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)}`;

export function markdown(r: Results): string {
  const m = r.machine as Record<string, string | number | number[]>;
  const noop = find(r, 'express-noop', 'noop', 'saturation');
  const out: string[] = [];
  out.push(`### Run: ${r.mode}, ${r.startedAt}`, '');
  out.push(`\`${r.command}\` (${n(r.seconds)} s; database \`${r.database}\`)`, '');
  out.push(`Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, ${m.os}; load average at start ${(m.loadAverageAtStart as number[]).join(' / ')}, at end ${(m.loadAverageAtEnd as number[]).join(' / ')}.`, '');
  out.push(`Population: ${n(r.population.children)} children, ${n(r.population.relationships)} relationships, ${n(r.population.users)} staff, seed ${r.population.seed}: loaded in ${n(r.population.loadSeconds, 1)} s${r.population.reused ? ' (an earlier run; reused)' : ''}. ` +
    `Audit trail: ${n(r.audit.trailEvents)} events, of which ${n(r.auditLoad.events)} bulk-loaded with their Merkle tree in ${n(r.auditLoad.loadSeconds, 1)} s${r.auditLoad.reused ? ' (an earlier run; reused)' : ''}.`, '');
  out.push('#### Targets', '', '| target | want | got | met |', '|---|---|---|---|');
  for (const t of r.targets) out.push(`| ${t.name} | ${t.want} | ${t.got} | ${t.met ? 'yes' : '**no**'} |`);
  out.push('', '#### HTTP on loopback (load from the bench process; service and baseline each a separate process)', '');
  out.push('Saturated: autocannon, 50 connections. "autocannon" rate: overallRate, which sends each connection\'s quota back to back at the start of every second (bursts). "steady": bench/paced.ts, open loop, one request every 1/rate s, latency from when it was due. CPU per request: the target process, the PostgreSQL backends of the bench database (not the WAL writer or checkpointer), and the load generator (the bench process). On 2 cores the three together bound the rate at 2 / (their sum).', '');
  out.push('| target | scenario | load | req/s | sections/s | vs no-op | p50 ms | p90 ms | p99 ms | CPU ms/req: target + PostgreSQL + load generator |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const h of r.http) {
    const cpu = h.cpuMsPerRequest ? `${ms(h.cpuMsPerRequest.target)} + ${ms(h.cpuMsPerRequest.postgres)} + ${h.cpuMsPerRequest.loadGenerator === undefined ? '?' : ms(h.cpuMsPerRequest.loadGenerator)}` : '';
    const how = h.mode === 'paced' ? `${n(h.rate!)}/s steady` : h.mode === 'rate' ? `${n(h.rate!)}/s autocannon, ${h.connections} conn` : `saturated, ${h.connections} conn`;
    out.push(`| ${h.target} | ${h.scenario} | ${how} | ${n(h.requestsPerSecond)} | ${n(h.sectionsPerSecond)} | ${h.mode === 'saturation' ? `${n(h.requestsPerSecond / noop.requestsPerSecond, 2)}×` : ''} | ${ms(h.latencyMs.p50)} | ${ms(h.latencyMs.p90)} | ${ms(h.latencyMs.p99)} | ${cpu} |`);
  }
  out.push('', `Service peak RSS (VmHWM): ${n(r.peakRssMb)} MB after the saturated runs; ${n(r.peakRssAfterOverloadMb)} MB after all of them (the fixed-rate runs too; a service offered more than it sustains holds the waiting requests, up to NTK_MAX_IN_FLIGHT).`, '');
  out.push('#### In process (authoriseMany: facts, decision, durable audit; no HTTP, no token check)', '');
  out.push('| scenario | concurrency | calls/s | sections/s | p50 ms | p95 ms | p99 ms | CPU ms/call: Node + PostgreSQL |', '|---|---|---|---|---|---|---|---|');
  for (const s of r.inProcess) out.push(`| ${s.scenario} | ${s.concurrency} | ${n(s.callsPerSecond)} | ${n(s.sectionsPerSecond)} | ${lat(s.latency)} | ${ms(s.cpuMsPerCall.node)} + ${ms(s.cpuMsPerCall.postgres)} |`);
  out.push('', '#### Engine against Cedar (one process, same facts, clinic-day sample of ' + n(r.engine.items) + ' requests)', '');
  out.push('| engine | section decisions/s |', '|---|---|');
  out.push(`| decide() over gathered facts (casbin rules, memoised per policy) | ${n(r.engine.decide)} |`);
  out.push(`| decideFor(): one fact query + decide(), ${r.engine.decideFor.concurrency} concurrent | ${n(r.engine.decideFor.perSecond)} (p50 ${ms(r.engine.decideFor.latency.p50)} ms) |`);
  out.push(`| Cedar ${r.engine.cedarVersion} (cedar-wasm statefulIsAuthorized, preparsed policy) | ${n(r.engine.cedar)} |`);
  out.push('', `Golden cases: Cedar agrees with our engine on ${r.engine.golden.agree} of ${r.engine.golden.sections} section decisions (${r.engine.golden.cases} cases).`, '');
  out.push('#### Growth (single-section reads one at a time, in process)', '');
  out.push('| children | decideFor p50 | p95 | p99 | authorise with audit p50 | p95 | p99 |', '|---|---|---|---|---|---|---|');
  for (const g of [r.growth.small, r.growth.large]) out.push(`| ${n(g.children)} | ${lat(g.decideFor)} | ${lat(g.authorise)} |`);
  out.push('', '#### Two service processes on one PostgreSQL (clinic-day, saturated)', '');
  out.push(`${r.twoProcesses.loads.map((l) => `${l.target}: ${n(l.requestsPerSecond)} req/s, p99 ${ms(l.latencyMs.p99)} ms`).join('; ')}; together ${n(r.twoProcesses.totalRequestsPerSecond)} req/s. ` +
    `Audit events written: ${n(r.twoProcesses.sequence.events)}, seq ${r.twoProcesses.sequence.min}..${r.twoProcesses.sequence.max}, distinct ${n(r.twoProcesses.sequence.distinct)}: ${r.twoProcesses.sequence.gapFree ? 'gap-free' : 'NOT gap-free'}. Peak RSS ${r.twoProcesses.peakRssMb.join(' / ')} MB.`, '');
  const a = r.audit;
  out.push(`#### Audit trail (${n(a.trailEvents)} events)`, '');
  out.push('| measure | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|');
  out.push(`| child history (newest 50) | ${lat(a.childHistory)} |`, `| user history (newest 50) | ${lat(a.userHistory)} |`, `| child access report (1 year, grouped) | ${lat(a.accessReport)} |`, `| inclusion proof (tree of ${n(a.trailEvents)}) | ${lat(a.inclusionProof)} |`);
  out.push('', '| measure | figure |', '|---|---|');
  out.push(`| export NDJSON (${n(a.export.events)} events, ${n(a.export.megabytes)} MB) | ${n(a.export.eventsPerSecond)} events/s (${n(a.export.seconds, 1)} s) |`);
  out.push(`| verifier (node audit/verify.mjs, same file) | ${n(a.verifier.eventsPerSecond)} events/s (${n(a.verifier.seconds, 1)} s): ${a.verifier.ok ? 'OK' : 'FAILED'} |`);
  out.push(`| raw SHA-256, one per line, same file | ${n(a.rawSha256.eventsPerSecond)} lines/s (${n(a.rawSha256.seconds, 1)} s) |`);
  out.push(`| verifier / raw | ${n(a.verifierVsRaw, 2)}× |`);
  out.push(`| append, AuditLog group commit with the Merkle tree, ${a.append.appenders} concurrent appenders | ${n(a.append.eventsPerSecond)} events/s, mean batch ${n(a.append.meanBatch, 1)}, p50 ${ms(a.append.latency.p50)} ms, p99 ${ms(a.append.latency.p99)} ms |`);
  out.push(`| whole trail sequence check | ${n(r.trail.events)} events, seq ${r.trail.min}..${r.trail.max}: ${r.trail.gapFree ? 'gap-free, no duplicates' : 'NOT gap-free'} |`, '');
  return out.join('\n');
}

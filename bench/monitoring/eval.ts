/**
 * The monitoring eval: the simulated month (simulate.ts) into a fresh store, the runner drained over the
 * whole trail, and every case scored against the injected labels. A case is a true positive when an
 * injected misuse of its rule names its user, its child (for rules about a child) and its day.
 */
import type { Store } from '../../src/store/store.ts';
import { AuditLog } from '../../src/trail/log.ts';
import { AuditTree } from '../../src/trail/tree.ts';
import { MonitoringRunner } from '../../src/monitoring/runner.ts';
import { loadMonitoringPolicy, RULES, type Rule } from '../../src/monitoring/policy.ts';
import { simulate, type Label, type SimulateOptions } from './simulate.ts';

export interface RuleFigures {
  rule: Rule;
  injected: number;
  found: number;
  recall: number;
  cases: number;
  truePositives: number;
  precision: number;
}

export interface EvalResults {
  settings: SimulateOptions;
  events: number;
  staff: number;
  staffDays: number;
  days: number;
  rules: RuleFigures[];
  overall: { cases: number; truePositives: number; precision: number; recallMin: number };
  /** Cases not explained by an injected misuse, per 1,000 staff per day of work. */
  cleanCases: number;
  cleanPer1000StaffDays: number;
  /** cpuSeconds: this process's CPU time over the drain (PGlite runs in it; PostgreSQL's server does not). */
  throughput: { events: number; seconds: number; eventsPerSecond: number; cpuSeconds: number };
  simulateSeconds: number;
}

export const QUICK: SimulateOptions = { seed: 20260201, children: 2_000, perKind: 4 };
export const FULL: SimulateOptions = { seed: 20260201, children: 20_000, perKind: 20 };

interface CaseRow { rule: Rule; user_id: string; child: string | null; day: string }

export async function runEval(store: Store, settings: SimulateOptions): Promise<EvalResults> {
  const t0 = performance.now();
  const sim = await simulate(store, settings);
  // A month of trail written in one go, as after a migration or a restore: statistics first, as autovacuum
  // would gather them on a live server (PGlite has none), or the planner scans the whole trail per batch.
  await store.query('analyze');
  const simulateSeconds = (performance.now() - t0) / 1000;
  const runner = new MonitoringRunner({ store, trail: new AuditLog(store, new AuditTree(store)), now: () => sim.now }, loadMonitoringPolicy());
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  await runner.drain();
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cases = (await store.query<CaseRow>('select rule, user_id, child, day::text as day from monitoring_cases')).rows;
  const scored = score(sim.labels, cases);
  const tp = scored.reduce((n, r) => n + r.truePositives, 0);
  const clean = cases.length - tp;
  return {
    settings, events: sim.events, staff: sim.staff, staffDays: sim.staffDays, days: sim.days, rules: scored,
    overall: { cases: cases.length, truePositives: tp, precision: ratio(tp, cases.length), recallMin: Math.min(...scored.filter((r) => r.injected).map((r) => r.recall)) },
    cleanCases: clean, cleanPer1000StaffDays: (clean / sim.staffDays) * 1000,
    throughput: { events: sim.events, seconds, eventsPerSecond: sim.events / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 },
    simulateSeconds,
  };
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

function matches(l: Label, c: CaseRow): boolean {
  return l.rule === c.rule && l.user === c.user_id && (l.child ?? null) === c.child && l.days.includes(c.day);
}

export function score(labels: Label[], cases: CaseRow[]): RuleFigures[] {
  return RULES.map((rule) => {
    const ls = labels.filter((l) => l.rule === rule);
    const cs = cases.filter((c) => c.rule === rule);
    const found = ls.filter((l) => cs.some((c) => matches(l, c))).length;
    const tp = cs.filter((c) => ls.some((l) => matches(l, c))).length;
    return { rule, injected: ls.length, found, recall: ratio(found, ls.length), cases: cs.length, truePositives: tp, precision: ratio(tp, cs.length) };
  });
}

export const TARGETS = { recall: 0.95, precision: 0.9, cleanPer1000StaffDays: 2, eventsPerSecond: 20_000 };

export function markdown(r: EvalResults): string {
  const pct = (x: number) => x.toFixed(2);
  const rows = r.rules.map((x) => `| ${x.rule} | ${x.injected} | ${x.found} | ${pct(x.recall)} | ${x.cases} | ${pct(x.precision)} |`);
  return [
    `Monitoring eval: ${r.settings.children.toLocaleString('en-GB')} children, seed ${r.settings.seed}, ${r.settings.perKind} injections of each kind; ` +
      `${r.events.toLocaleString('en-GB')} decision events, ${r.staff} staff over ${r.days} days (${r.staffDays.toLocaleString('en-GB')} staff-days).`,
    '',
    '| rule | injected | found | recall | cases | precision |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    `| **all** | ${r.rules.reduce((n, x) => n + x.injected, 0)} | ${r.rules.reduce((n, x) => n + x.found, 0)} | min ${pct(r.overall.recallMin)} | ${r.overall.cases} | ${pct(r.overall.precision)} |`,
    '',
    `Clean work: ${r.cleanCases} cases not explained by an injection = ${r.cleanPer1000StaffDays.toFixed(2)} per 1,000 staff-days (target <= ${TARGETS.cleanPer1000StaffDays}).`,
    `Detector throughput: ${Math.round(r.throughput.eventsPerSecond).toLocaleString('en-GB')} events/s (${r.throughput.events.toLocaleString('en-GB')} events drained in ${r.throughput.seconds.toFixed(1)} s; target >= ${TARGETS.eventsPerSecond.toLocaleString('en-GB')}).`,
    `Process CPU over the drain: ${r.throughput.cpuSeconds.toFixed(1)} s (${Math.round(r.throughput.events / r.throughput.cpuSeconds).toLocaleString('en-GB')} events per CPU-second; with PGlite the database runs in this process, so on a shared machine this is steadier than the wall clock).`,
    `Targets: recall >= ${TARGETS.recall} every rule, precision >= ${TARGETS.precision} overall.`,
    '',
  ].join('\n');
}

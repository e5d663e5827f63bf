/**
 * Engine against peer, in one process and one run: our pure decide() over facts gathered beforehand,
 * decideFor() with its one-round-trip fact query, and @cedar-policy/cedar-wasm evaluating the equivalent
 * Cedar policy (bench/cedar/) over the same facts. Every loop checks each section's decision.
 */
import type { Services } from '../src/services.ts';
import { decideFor } from '../src/authorise/authorise.ts';
import { decide, type DecisionRequest } from '../src/policy/decide.ts';
import type { Principal } from '../src/identity/principal.ts';
import type { Facts } from '../src/policy/facts.ts';
import type { Cis2Claims } from '../src/identity/claims.ts';
import type { AuthoriseRequest } from '../src/authorise/request.ts';
import { cedarCalls, cedarDecide, cedarVersion, prepareCedar } from './cedar/translate.ts';
import { goldenAgreement, type GoldenAgreement } from './cedar/golden.ts';
import { check, type Call, type Scenario } from './scenarios.ts';
import { latency, now, round, saturate, type Latency } from './stats.ts';

export interface EngineFigures {
  /** Section decisions per second. */
  decide: number;
  decideFor: { perSecond: number; concurrency: number; latency: Latency };
  cedar: number;
  cedarVersion: string;
  engineVsCedar: number;
  golden: GoldenAgreement;
  items: number;
}

interface Prepared {
  principal: Principal;
  req: DecisionRequest;
  facts: Facts;
  want: string[];
}

/** Calls `fn` over the items, round and round, for about `seconds`; returns sections decided per second. */
function spin(items: Prepared[], seconds: number, fn: (p: Prepared) => string[]): number {
  let sections = 0;
  const started = now();
  const end = started + seconds * 1000;
  while (now() < end) {
    for (const p of items) {
      const got = fn(p);
      for (let i = 0; i < got.length; i++) {
        if (got[i] !== p.want[i]) throw new Error(`engine bench: ${p.req.sections[i]} decided ${got[i]}, expected ${p.want[i]}`);
      }
      sections += got.length;
    }
  }
  return sections / ((now() - started) / 1000);
}

/**
 * Runs until the rate stops rising: V8 tiers Cedar's large WebAssembly module up from its baseline
 * compiler in the background, which takes seconds on a busy 2-core machine (its first second runs ~10x slower).
 */
function warm(items: Prepared[], fn: (p: Prepared) => string[]): void {
  let last = 0;
  for (let i = 0; i < 40; i++) {
    const rate = spin(items, 0.5, fn);
    if (i >= 3 && rate < last * 1.05) return;
    last = Math.max(last, rate);
  }
}

export async function engineBench(
  services: Services,
  mix: Scenario,
  claimsOf: (call: Call) => Cis2Claims,
  opts: { seconds: number; items: number },
): Promise<EngineFigures> {
  prepareCedar();
  const policy = services.policy.current;
  const golden = await goldenAgreement(policy);
  if (golden.disagreements.length) throw new Error(`engine bench: golden cases: ${golden.disagreements.join('; ')}`);

  // Gather the facts of a clinic-day sample once (batches split into their single reads).
  const items: Prepared[] = [];
  const t = services.now();
  while (items.length < opts.items) {
    const call = mix.next();
    for (const [i, r] of call.requests.entries()) {
      const d = await decideFor(services, claimsOf(call), r, 'authorise');
      items.push({ principal: d.principal, req: { sections: r.sections, action: r.action, purpose: r.purposeOfUse, breakGlassId: r.breakGlassId }, facts: d.facts, want: call.expect[i].map((e) => e.decision) });
    }
  }
  const oursFn = (p: Prepared) => decide(p.principal, p.req, p.facts, policy, t).map((d) => d.decision);
  const cedarFn = (p: Prepared) => cedarCalls(p.principal, p.req, p.facts, policy.parameters, t).map(cedarDecide);
  warm(items, oursFn);
  warm(items, cedarFn);
  const ours = spin(items, opts.seconds, oursFn);
  const cedar = spin(items, opts.seconds, cedarFn);

  const concurrency = 8;
  const r = await saturate(concurrency, opts.seconds, async () => {
    const call = mix.next();
    const claims = claimsOf(call);
    const decided = await Promise.all(call.requests.map((req: AuthoriseRequest) => decideFor(services, claims, req, 'authorise')));
    const problem = check(call, decided.map((d) => ({ decisions: d.decisions })));
    if (problem) throw new Error(`decideFor bench: ${problem}`);
    return call.requests.reduce((s, q) => s + q.sections.length, 0);
  });
  return {
    decide: round(ours),
    decideFor: { perSecond: round(r.units / r.seconds), concurrency, latency: latency(r.ms) },
    cedar: round(cedar),
    cedarVersion: cedarVersion(),
    engineVsCedar: round(ours / cedar, 1),
    golden,
    items: items.length,
  };
}

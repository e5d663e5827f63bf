/**
 * Growth: the latency of one decision as the population grows. On a given bench database, a fresh
 * in-process service decides single-section reads of the health visitor's caseload one at a time:
 * decideFor (fact query + decision) and authoriseMany (plus the durable audit append).
 */
import { randomUUID } from 'node:crypto';
import { decideFor, authoriseMany } from '../src/authorise/authorise.ts';
import type { Store } from '../src/store/store.ts';
import { buildFixture, claimsFor } from './fixtures.ts';
import { scenarios, check } from './scenarios.ts';
import { latency, timeEach, type Latency } from './stats.ts';
import { inProcessService } from './service-env.ts';

export interface GrowthPoint {
  children: number;
  decideFor: Latency;
  authorise: Latency;
}

export async function growthPoint(store: Store, url: string, workDir: string, children: number, samples: number): Promise<GrowthPoint> {
  const service = await inProcessService(url, workDir);
  try {
    const fixture = await buildFixture(store, 500);
    const single = scenarios(fixture).find((s) => s.name === 'single-section')!;
    const claims = claimsFor(fixture.healthVisitor);
    const calls = Array.from({ length: samples }, () => single.next());
    const decideOne = async (call: (typeof calls)[number]) => {
      const d = await decideFor(service.services, claims, call.requests[0], 'authorise');
      const problem = check(call, [{ decisions: d.decisions }]);
      if (problem) throw new Error(`growth: ${problem}`);
    };
    await timeEach(calls.slice(0, Math.min(200, samples)), decideOne); // warm-up
    const decided = await timeEach(calls, decideOne);
    const authorised = await timeEach(calls.slice(0, Math.ceil(samples / 2)), async (call) => {
      const r = await authoriseMany(service.services, claims, call.requests, randomUUID());
      const problem = check(call, r);
      if (problem) throw new Error(`growth: ${problem}`);
    });
    return { children, decideFor: latency(decided), authorise: latency(authorised) };
  } finally {
    await service.close();
  }
}

/**
 * The quick monitoring eval (bench/monitoring/eval.ts) in process: a simulated month of work with labelled
 * misuse of every kind, the runner over the whole trail, and the quality targets of issue 13 met on both
 * stores. Speed is the benchmark's business, not this test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { Store } from '../../src/store/store.ts';
import { RULES } from '../../src/monitoring/policy.ts';
import { QUICK, runEval, TARGETS, type EvalResults } from '../../bench/monitoring/eval.ts';

/**
 * Smaller than the quick eval (which the benchmark runs): the quality targets, not the figures, are this
 * test's business. Four injections per kind (44 in all): with two, the realistic few neighbour reads on a
 * practice list that the rules rightly flag (about four in this month) would alone break precision 0.9.
 */
const TEST_SIZE = { ...QUICK, children: 1_000, perKind: 4 };

describe.each(storeKinds)('monitoring eval, small ($name)', (kind) => {
  let store: Store;
  let r: EvalResults;
  beforeAll(async () => {
    store = await kind.open();
    r = await runEval(store, TEST_SIZE);
  }, 600_000);
  afterAll(() => store?.close());

  it('injects misuse of every kind the detectors cover', () => {
    expect(r.rules.filter((x) => x.injected === TEST_SIZE.perKind).map((x) => x.rule)).toEqual([...RULES]);
  });

  it.each([...RULES])('finds the injected %s misuse (recall >= 0.95)', (rule) => {
    expect(r.rules.find((x) => x.rule === rule)!.recall).toBeGreaterThanOrEqual(TARGETS.recall);
  });

  it('opens few cases that no misuse explains (precision >= 0.9, <= 2 per 1,000 staff-days on clean work)', () => {
    expect(r.overall.precision).toBeGreaterThanOrEqual(TARGETS.precision);
    expect(r.cleanPer1000StaffDays).toBeLessThanOrEqual(TARGETS.cleanPer1000StaffDays);
    expect(r.staffDays).toBeGreaterThan(1_000);
  });
});

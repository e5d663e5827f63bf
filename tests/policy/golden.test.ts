/** The golden decision cases of policies/tests/, on every store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { readGoldenFiles, runCase } from '../../src/policy/golden.ts';
import { loadPolicy, Policy } from '../../src/policy/policy.ts';
import type { Store } from '../../src/store/store.ts';

const files = await readGoldenFiles();
const cases = files.flatMap(({ file, data }) => data.cases.map((c) => ({ file, c, defaults: data.defaults, label: `${file}: ${c.name}` })));

describe.each(storeKinds)('golden decisions ($name)', (kind) => {
  let store: Store;
  let policy: Policy;
  beforeAll(async () => {
    store = await kind.open();
    policy = await loadPolicy();
  });
  afterAll(() => store?.close());

  it('has cases', () => expect(cases.length).toBeGreaterThan(50));

  it.each(cases)('$label', async ({ file, c, defaults }) => {
    const result = await runCase(store, policy, file, c, defaults);
    expect(result.failures).toEqual([]);
  });

  it('an empty policy denies every golden case', async () => {
    const empty = await Policy.denyAll();
    for (const { file, c, defaults } of cases) {
      const result = await runCase(store, empty, file, c, defaults);
      expect(result.decisions.every((d) => d.decision === 'deny'), c.name).toBe(true);
    }
  });

  it('an unreadable policy directory loads the deny-all policy', async () => {
    const { PolicyHolder } = await import('../../src/policy/holder.ts');
    const pino = (await import('pino')).default;
    const holder = await PolicyHolder.open(pino({ level: 'silent' }), () => {}, '/nonexistent/policies');
    expect(holder.loaded).toBe(false);
    const { file, c, defaults } = cases[0];
    const result = await runCase(store, holder.current, file, c, defaults);
    expect(result.decisions.every((d) => d.decision === 'deny')).toBe(true);
  });
});

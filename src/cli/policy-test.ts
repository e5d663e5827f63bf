/**
 * npm run policy:test — runs the golden cases (on PGlite in memory, or DATABASE_URL) and reports
 * every failing case and every allow rule that no case exercises. Exit 1 on a failure.
 */
import { openPGlite } from '../store/pglite.ts';
import { openPostgres } from '../store/postgres.ts';
import { migrate } from '../store/migrate.ts';
import { loadPolicy } from '../policy/policy.ts';
import { readGoldenFiles, runCase } from '../policy/golden.ts';

const store = process.env.DATABASE_URL ? await openPostgres({ connectionString: process.env.DATABASE_URL }) : await openPGlite();
await migrate(store);
const policy = await loadPolicy();
const used = new Set<string>();
let failed = 0;
let total = 0;
for (const { file, data } of await readGoldenFiles()) {
  for (const c of data.cases) {
    total++;
    const r = await runCase(store, policy, file, c, data.defaults);
    r.rulesUsed.forEach((rule) => used.add(rule));
    if (r.failures.length) {
      failed++;
      console.log(`FAIL ${file}: ${c.name}\n  ${r.failures.join('\n  ')}`);
    }
  }
}
const rules = (await policy.rules()).map((r) => r.join(', '));
const unused = rules.filter((r) => !used.has(r));
console.log(`\n${total - failed} passed, ${failed} failed (${total} golden cases, policy ${policy.version})`);
console.log(`${rules.length - unused.length} of ${rules.length} rules exercised`);
for (const r of unused) console.log(`  not exercised: p, ${r}`);
await store.close();
process.exit(failed ? 1 : 0);

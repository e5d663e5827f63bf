/**
 * npm run monitor:eval [-- --quick] [--out DIR] [--seed N]: the privacy-monitoring eval (bench/monitoring/eval.ts)
 * on a fresh PGlite store, or on a fresh schema of the PostgreSQL server named by DATABASE_URL.
 * Prints the table and writes monitoring-eval-{quick,full}.json and .md to --out (default bench/results/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openPGlite } from '../src/store/pglite.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { migrate } from '../src/store/migrate.ts';
import type { Store } from '../src/store/store.ts';
import { FULL, markdown, QUICK, runEval } from './monitoring/eval.ts';
import { freshSchema } from './monitoring/schema.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string', default: 'bench/results' }, seed: { type: 'string' } } });
const settings = { ...(values.quick ? QUICK : FULL), ...(values.seed ? { seed: Number(values.seed) } : {}) };
const url = process.env.DATABASE_URL;

let store: Store;
let drop = async () => {};
if (url) {
  const schema = await freshSchema(url);
  store = await openPostgres({ connectionString: schema.url, max: 4 });
  drop = schema.drop;
} else {
  store = await openPGlite();
}
try {
  await migrate(store);
  const started = performance.now();
  const results = await runEval(store, settings);
  const md = `${markdown(results)}Store: ${url ? 'PostgreSQL' : 'PGlite'}; whole run ${((performance.now() - started) / 1000).toFixed(1)} s (simulation ${results.simulateSeconds.toFixed(1)} s).\n`;
  console.log(md);
  const name = `monitoring-eval-${values.quick ? 'quick' : 'full'}`;
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(path.join(values.out!, `${name}.json`), JSON.stringify({ store: url ? 'postgres' : 'pglite', at: new Date().toISOString(), ...results }, null, 2) + '\n');
  writeFileSync(path.join(values.out!, `${name}.md`), md);
} finally {
  await store.close();
  await drop();
}

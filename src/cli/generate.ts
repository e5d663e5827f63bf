/** CLI: `npm run generate -- --children N --seed S [--reference-date YYYY-MM-DD] [--replace]` writes a synthetic population. */
import { parseArgs } from 'node:util';
import { parseIsoDate } from '../population/dates.ts';
import { emptyPopulation, factCounts } from '../population/facts.ts';
import { generatePopulation, MAX_CHILDREN, type Progress } from '../population/generate.ts';
import { openStore } from '../store/open.ts';
import { migrate } from '../store/migrate.ts';

const USAGE = `usage: npm run generate -- --children N [--seed S] [--reference-date YYYY-MM-DD] [--replace]
  --children N           number of children, 1 to ${MAX_CHILDREN.toLocaleString('en-GB')}
  --seed S               seed, 0 to 4294967295 (default 1); the same seed and size give the same population
  --reference-date D     day the ages and relationship dates are relative to (default today, UTC)
  --replace              empty the population tables first (facts, grants, break-glass; never the audit trail)
Store: PostgreSQL at DATABASE_URL, else PGlite in NTK_DATA_DIR (default ./data).`;

class UsageError extends Error {}

function wholeNumber(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const n = Number(value.replace(/_/g, ''));
  if (!/^[0-9_]+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      children: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'reference-date': { type: 'string' },
      replace: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const referenceDate = values['reference-date'] === undefined ? undefined : parseIsoDate(values['reference-date']);
  if (referenceDate === null) {
    throw new UsageError(`--reference-date must be a calendar date YYYY-MM-DD, got "${values['reference-date']}"`);
  }
  return {
    children: wholeNumber('children', values.children, 1, MAX_CHILDREN),
    seed: wholeNumber('seed', values.seed, 0, 0xffffffff),
    referenceDate,
    replace: values.replace,
  };
}

const fmt = (n: number) => n.toLocaleString('en-GB');

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!args) {
    console.log(USAGE);
    return 0;
  }
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = process.env.NTK_DATA_DIR || './data';
  console.log(`store: ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`}`);
  const store = await openStore({ databaseUrl, dataDir, poolSize: 4 });
  try {
    const applied = await migrate(store);
    if (applied.length) console.log(`migrations applied: ${applied.join(', ')}`);
    const counts = await factCounts(store);
    const held = Object.entries(counts).filter(([, n]) => n > 0);
    if (held.length && !args.replace) {
      console.error(
        `error: the store already holds a population (${held.map(([t, n]) => `${fmt(n)} ${t}`).join(', ')}); ` +
          'pass --replace to empty it first (the audit trail is kept)',
      );
      return 1;
    }
    if (held.length) {
      await emptyPopulation(store);
      console.log(`emptied: ${held.map(([t, n]) => `${fmt(n)} ${t}`).join(', ')}`);
    }
    console.log(`generating ${fmt(args.children)} children, seed ${args.seed}`);
    let lastTenth = -1;
    const onProgress = (p: Progress) => {
      const tenth = Math.floor((p.children / p.totalChildren) * 10);
      if (p.phase === 'workforce') console.log(`  staff and organisations: ${fmt(p.rows)} rows (${(p.elapsedMs / 1000).toFixed(1)} s)`);
      else if (tenth !== lastTenth) {
        lastTenth = tenth;
        const rate = Math.round(p.rows / Math.max(p.elapsedMs / 1000, 0.001));
        console.log(`  ${fmt(p.children)}/${fmt(p.totalChildren)} children (${p.area}), ${fmt(p.rows)} rows, ${(p.elapsedMs / 1000).toFixed(1)} s, ${fmt(rate)} rows/s`);
      }
    };
    const s = await generatePopulation(store, { children: args.children, seed: args.seed, referenceDate: args.referenceDate, onProgress });
    const seconds = s.elapsedMs / 1000;
    console.log(`done in ${seconds.toFixed(1)} s: ${fmt(s.rows)} rows, ${fmt(Math.round(s.rows / Math.max(seconds, 0.001)))} rows/s (reference date ${s.referenceDate})`);
    console.log(`  orgs ${fmt(s.orgs)} ${JSON.stringify(s.orgsByKind)}`);
    console.log(`  teams ${fmt(s.teams)} ${JSON.stringify(s.teamsByKind)}`);
    console.log(`  users ${fmt(s.users)}, team memberships ${fmt(s.userTeams)}, children ${fmt(s.children)}`);
    console.log(`  relationships ${fmt(s.relationships)} ${JSON.stringify(s.relationshipsByType)}`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);

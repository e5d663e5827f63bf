/**
 * npm run token                     lists the demo users it can sign for (id, role, organisation)
 * npm run token -- --user <id>      prints a token for that demo user: role, organisation, teams and
 *                                   activities come from demo-personas.json (written by the demo start)
 * Any of --role <product role> --org <code> --teams a,b --activities B0360,B0083 --hours 8 overrides
 * the recorded value; a user who is not a demo persona needs --role and --org.
 * Embedded/demo use only: the issuer key exists only in a data directory where demo mode created it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { loadDemoIssuer } from '../identity/demo-issuer.ts';
import { demoToken } from '../identity/demo-tokens.ts';
import { loadPolicy } from '../policy/policy.ts';

/** What the demo start records per user id in <data dir>/demo-personas.json (src/main.ts). */
interface SavedPersona {
  key?: string;
  role?: string;
  orgCode?: string | null;
  workgroups?: string[];
  activities?: string[];
  name?: string;
  description?: string;
}

const usage = 'usage: npm run token [-- --user <id> [--role <product role>] [--org <code>] [--teams a,b] [--activities B0360,B0083] [--hours 8]]';
function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { user: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' }, teams: { type: 'string' }, activities: { type: 'string' }, hours: { type: 'string' } },
  }));
} catch (err) {
  fail(`${(err as Error).message}\n${usage}`);
}
const config = loadConfig();
const issuer = loadDemoIssuer(config.dataDir, false);
if (!issuer) fail(`no demo issuer in ${config.dataDir}: start the service in demo mode first (npm start with NTK_DEMO=1)`);
const known = path.join(config.dataDir, 'demo-personas.json');
const personas = existsSync(known) ? (JSON.parse(readFileSync(known, 'utf8')) as Record<string, SavedPersona>) : {};

if (!values.user) {
  const rows = Object.entries(personas).map(([id, p]) => [id, p.role ?? '', p.orgCode ?? '-', p.description ?? p.name ?? '']);
  if (!rows.length) fail(`no demo users recorded in ${known}: start the service in demo mode first (npm start)\n${usage}`);
  const header = ['USER', 'ROLE', 'ORG', 'WHO'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('  ');
  console.log([line(header), ...rows.map(line), '', 'npm run token -- --user <USER> prints a token for one of them.'].join('\n'));
  process.exit(0);
}

const saved = personas[values.user] ?? {};
const role = values.role ?? saved.role;
if (!role) fail(`--role is required for ${values.user} (not a demo persona: \`npm run token\` lists them)`);
const hours = Number(values.hours ?? 8);
if (!(hours > 0 && hours <= 24)) fail('--hours must be a number from 0 to 24');
const org = values.org ?? saved.orgCode ?? undefined;
if (!org && role !== 'access-admin') fail(`--org is required for ${values.user} (not a demo persona: \`npm run token\` lists them)`);
const policy = await loadPolicy();
try {
  console.log(
    demoToken(issuer, policy.roles, role, {
      userId: values.user,
      name: saved.name,
      orgCode: org ?? '',
      workgroups: values.teams ? values.teams.split(',').filter(Boolean) : (saved.workgroups ?? []),
      activities: values.activities ? values.activities.split(',').filter(Boolean) : saved.activities,
    }, hours * 3600),
  );
} catch (err) {
  fail((err as Error).message);
}

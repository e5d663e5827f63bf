/**
 * npm run token -- --user <id> --role <product role> [--org <code>] [--teams a,b] [--activities B0360,B0083] [--hours 8]
 * Prints an access token from the local demo issuer (embedded/demo use only: the issuer key exists
 * only in a data directory where demo mode created it). Org and teams default to what the demo
 * start recorded for that user in demo-personas.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { loadDemoIssuer } from '../identity/demo-issuer.ts';
import { demoToken } from '../identity/demo-tokens.ts';
import { loadPolicy } from '../policy/policy.ts';

const usage = 'usage: npm run token -- --user <id> --role <product role> [--org <code>] [--teams a,b] [--activities B0360,B0083] [--hours 8]';
let values;
try {
  ({ values } = parseArgs({
    options: { user: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' }, teams: { type: 'string' }, activities: { type: 'string' }, hours: { type: 'string' } },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
if (!values.user || !values.role) {
  console.error(usage);
  process.exit(2);
}
const config = loadConfig();
const issuer = loadDemoIssuer(config.dataDir, false);
if (!issuer) {
  console.error(`no demo issuer in ${config.dataDir}: start the service in demo mode first (npm start with NTK_DEMO=1)`);
  process.exit(2);
}
const known = path.join(config.dataDir, 'demo-personas.json');
const personas = existsSync(known) ? (JSON.parse(readFileSync(known, 'utf8')) as Record<string, { orgCode?: string; workgroups?: string[]; name?: string }>) : {};
const saved = personas[values.user] ?? {};
const hours = Number(values.hours ?? 8);
if (!(hours > 0 && hours <= 24)) {
  console.error('--hours must be a number from 0 to 24');
  process.exit(2);
}
const org = values.org ?? saved.orgCode;
if (!org && values.role !== 'access-admin') {
  console.error(`--org is required for ${values.user} (not a demo persona)`);
  process.exit(2);
}
const policy = await loadPolicy();
try {
  console.log(
    demoToken(issuer, policy.roles, values.role, {
      userId: values.user,
      name: saved.name,
      orgCode: org ?? '',
      workgroups: values.teams ? values.teams.split(',').filter(Boolean) : (saved.workgroups ?? []),
      activities: values.activities ? values.activities.split(',').filter(Boolean) : undefined,
    }, hours * 3600),
  );
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

/**
 * npm start: configuration, store, migrations, (demo population and tokens on an empty embedded
 * store), then serve. SIGTERM/SIGINT stop accepting, finish in-flight requests, close the store.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { buildService } from './server.ts';
import { loadDemoIssuer } from './identity/demo-issuer.ts';
import { demoToken } from './identity/demo-tokens.ts';
import { generatePopulation } from './population/generate.ts';
import { demoPersonas } from './population/personas.ts';
import { startTelemetry } from './telemetry.ts';
import { createServer } from './http/listen.ts';
import { countChildren } from './store/tables/children.ts';

/** Invalid configuration: every problem on its own line, exit status 2 (systemd does not restart on it). */
function exitOnConfigError(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  const noun = err.problems.length === 1 ? 'variable' : 'variables';
  console.error(`needtoknow: invalid configuration (${err.problems.length} ${noun}):\n${err.problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  process.exit(2);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  exitOnConfigError(err);
}
const log = createLogger(config.logLevel);
const telemetry = await startTelemetry();
const demoIssuer = config.demo ? loadDemoIssuer(config.dataDir, true) : undefined;
// The issuers file (NTK_JWT_ISSUERS) is read while building: its errors are configuration errors too.
const service = await buildService(config, {
  log,
  issuers: demoIssuer ? [demoIssuer.trusted] : [],
  watchPolicy: true,
  monitorIntervalMs: 1_000,
  prepare: async (store) => {
    if (!config.demo) return;
    if ((await countChildren(store)) > 0) return;
    log.info('empty store: creating the demo population');
    const summary = await generatePopulation(store, { children: 3000, seed: 1 });
    log.info({ children: summary.children, relationships: summary.relationships, ms: summary.elapsedMs }, 'demo population created');
  },
}).catch(exitOnConfigError);
const { store } = service.services;

const server = createServer(service.app).listen(config.port, () => {
  const url = `http://localhost:${config.port}`;
  log.info({ url, store: store.kind }, 'needtoknow is listening');
  if (demoIssuer) void printDemo(url);
});
server.on('error', (err) => {
  log.fatal({ err: err.message }, 'cannot listen');
  process.exit(1);
});

async function printDemo(url: string) {
  const personas = await demoPersonas(store);
  const mapping = service.services.policy.current.roles;
  const lines = [`\nneedtoknow (demo) at ${url}   console: ${url}/console   docs: ${url}/docs   OpenAPI: ${url}/openapi.json\n`, 'Demo tokens (valid 8 hours; `npm run token` lists the demo users, `npm run token -- --user <id>` signs a fresh one):'];
  const saved: Record<string, unknown> = {};
  for (const p of personas) {
    const token = demoToken(demoIssuer!, mapping, p.productRole, { userId: p.userId, name: p.name, orgCode: p.orgCode ?? '', workgroups: p.workgroups, activities: p.activityCodes });
    saved[p.userId] = { key: p.key, role: p.productRole, orgCode: p.orgCode, workgroups: p.workgroups, activities: p.activityCodes, name: p.name, description: p.description };
    lines.push(`\n# ${p.key}: ${p.description}${p.canRead ? `  (can read ${p.canRead}${p.cannotRead ? `, cannot read ${p.cannotRead}` : ''})` : ''}`);
    lines.push(`export NTK_TOKEN_${p.key.toUpperCase().replace(/-/g, '_')}='${token}'`);
  }
  writeFileSync(path.join(config.dataDir, 'demo-personas.json'), JSON.stringify(saved, null, 1));
  const hv = personas.find((p) => p.key === 'health-visitor');
  if (hv?.canRead) {
    lines.push('\nTry it (after the export lines above):');
    lines.push(`curl -s -X POST ${url}/v1/authorise -H "Authorization: Bearer $NTK_TOKEN_HEALTH_VISITOR" -H 'Content-Type: application/json' \\`);
    lines.push(`  -d '{"child":"${hv.canRead}","sections":["immunisations","safeguarding"],"action":"read","purposeOfUse":"TREAT"}'`);
  }
  console.log(lines.join('\n') + '\n');
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping: no new connections, finishing requests in flight');
  server.close(async () => {
    await service.close();
    await telemetry?.shutdown();
    log.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => process.exit(1), 15_000).unref();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Under `npm start`, npm is the parent and may not pass a signal on: when the parent goes away, stop
// cleanly (final checkpoint included) rather than run on as an orphan. In production run
// `node dist/main.js` directly (docs/operations.md), so signals reach the server itself.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown('parent exited');
}, 1000).unref();

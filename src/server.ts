/**
 * Builds the service from its configuration: store, policy, audit log, identity, routes.
 * Used by `npm start` (main.ts) and by the tests, which pass their own store and issuers.
 */
import type express from 'express';
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Store } from './store/store.ts';
import { openStore } from './store/open.ts';
import { traced } from './store/traced.ts';
import { migrate } from './store/migrate.ts';
import { AuditLog } from './trail/log.ts';
import { PolicyHolder } from './policy/holder.ts';
import { TokenVerifier } from './identity/verify.ts';
import { checkIssuerNamespaces, loadIssuersFile, type TrustedIssuer } from './identity/issuers.ts';
import { Unauthenticated } from './errors.ts';
import { Metrics } from './http/metrics.ts';
import { createApp } from './http/app.ts';
import type { AnyRoute } from './http/route.ts';
import { FactHasher } from './feeds/hash.ts';
import { feedRoutes } from './feeds/routes.ts';
import { authoriseRoutes } from './authorise/routes.ts';
import { exposureRoutes } from './exposure/routes.ts';
import { grantRoutes } from './grants/routes.ts';
import { breakGlassRoutes } from './break-glass/routes.ts';
import { alertRoutes } from './alerts/routes.ts';
import { AlertWorker } from './alerts/worker.ts';
import { outboxStats } from './store/tables/alerts.ts';
import { newestCheckpoint } from './store/tables/audit-checkpoints.ts';
import { policyRoutes } from './policy/routes.ts';
import { auditRoutes } from './ig/routes.ts';
import { FactReader, gatherMany } from './facts/gather.ts';
import { gatherChildFacts } from './facts/child.ts';
import { StaffTable } from './store/tables/staff.ts';
import { SeenPrincipals } from './identity/seen.ts';
import { AuditTree } from './trail/tree.ts';
import { openTrail } from './trail/open.ts';
import { loadOrCreateSigningKey, loadSigningKey, type SigningKey } from './trail/signing-key.ts';
import { CursorCodec } from './ig/cursor.ts';
import { ensurePartitions, keepPartitions } from './trail/partitions.ts';
import { AuditedChanges } from './change/audited-change.ts';
import type { Services } from './services.ts';
import { RateLimiter } from './http/rate-limiter.ts';
import { createLogger } from './log.ts';
import { MonitoringRunner } from './monitoring/runner.ts';
import { loadMonitoringPolicy } from './monitoring/policy.ts';
import { watchMonitoring } from './monitoring/metrics.ts';
import { monitoringRoutes } from './monitoring/routes.ts';
import { loadDemoIssuer, type DemoIssuer } from './identity/demo-issuer.ts';

/** Every /v1 route, authorise first: express tries routes in order, and it is by far the most called. */
export function featureRoutes(): AnyRoute[] {
  return [...authoriseRoutes(), ...feedRoutes(), ...exposureRoutes(), ...policyRoutes(), ...auditRoutes(), ...grantRoutes(), ...breakGlassRoutes(), ...alertRoutes(), ...monitoringRoutes()];
}

export interface BuildOptions {
  store?: Store;
  /** Trusted issuers in addition to those of NTK_JWT_ISSUERS (the demo issuer, test issuers). */
  issuers?: TrustedIssuer[];
  log?: Logger;
  now?: () => Date;
  /** Reload when the policy files change. */
  watchPolicy?: boolean;
  /** Reload when another process sends NOTIFY ntk_policy (defaults to watchPolicy). */
  listenPolicy?: boolean;
  policyDir?: string;
  /** Checkpoint signing key; default NTK_AUDIT_SIGNING_KEY, or one created in the data directory. */
  signingKey?: SigningKey;
  /** Runs after migrations, with the owner's privileges, before the service takes its own role (e.g. loading demo data). */
  prepare?: (store: Store) => Promise<void>;
  /** How often privacy monitoring polls the trail; absent or 0: it does not poll by itself (tests call runOnce; npm start polls every second). */
  monitorIntervalMs?: number;
  /** The console's persona picker signs in with this issuer's tokens; default: the data directory's demo issuer when NTK_DEMO=1. */
  demoIssuer?: DemoIssuer;
}

export interface Service {
  app: ReturnType<typeof createApp>['app'];
  routes: ReturnType<typeof createApp>['routes'];
  services: Services;
  close(): Promise<void>;
}

/** The database role the service works as after migrations (see migrations/007_service_role.sql). */
export const SERVICE_ROLE = 'ntk_app';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

export async function buildService(config: Config, options: BuildOptions = {}): Promise<Service> {
  const log = options.log ?? createLogger(config.logLevel);
  const store = traced(options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })));
  await migrate(store);
  await options.prepare?.(store);
  await store.assumeRole(SERVICE_ROLE);
  const tree = new AuditTree(store);
  const audit = new AuditLog(store, tree);
  const signingKey = options.signingKey ??
    (config.auditSigningKeyFile ? await loadSigningKey(config.auditSigningKeyFile) : await loadOrCreateSigningKey(config.dataDir));
  // Events written while the hook was not registered (or by an older version) join the tree now, not inside a request.
  await tree.sync();
  const now = options.now ?? (() => new Date());
  // This month's and next month's audit partitions exist before the first event of a fresh database.
  await ensurePartitions(store, now(), log);
  const policy = await PolicyHolder.open(
    log,
    async (from, to) => {
      await audit.appendOne({ kind: 'policy', policyVersion: to.version, details: { from: from.version, to: to.version } });
      // Nudge the other processes on this database to reload too (a no-op where they already have it).
      await store.notify('ntk_policy', to.version).catch(() => {});
    },
    options.policyDir,
  );
  await audit.appendOne({ kind: 'policy', policyVersion: policy.current.version, details: { loaded: policy.loaded, at: 'start' } });
  const { checkpointer, guard, keys, witnesses } = await openTrail(store, tree, audit, {
    key: signingKey, origin: config.auditOrigin, checkpointDir: config.checkpointDir, log, witnessesFile: config.witnessesFile, witnessQuorum: config.witnessQuorum,
  });
  if (options.watchPolicy) policy.watchFiles();
  // Another process saw the files change (or an operator asked): reload here too.
  if (options.listenPolicy ?? options.watchPolicy) await store.listen('ntk_policy', () => void policy.reload());
  const issuers = [...(config.jwtIssuersFile ? loadIssuersFile(config.jwtIssuersFile) : []), ...(options.issuers ?? [])];
  checkIssuerNamespaces(issuers);
  const metrics = new Metrics();
  metrics.watchAudit(audit);
  metrics.watchTrail(guard, witnesses);
  const tokens = new TokenVerifier(issuers, undefined, undefined, config.maxTokenLifetimeSeconds);

  const facts = new FactReader(store);
  const staff = new StaffTable(store);
  const services: Services = {
    config,
    store,
    log,
    policy,
    audit,
    facts,
    staff,
    seen: new SeenPrincipals(staff, now),
    views: {
      policy, facts, audit, staff, now,
      gatherMany: (inputs) => gatherMany(store, inputs),
      childFacts: (nhsNumber, since) => gatherChildFacts(store, nhsNumber, since),
    },
    changes: new AuditedChanges(store, audit, now),
    tree,
    checkpointer,
    keys,
    cursors: new CursorCodec(config.hashKey),
    metrics,
    limiter: new RateLimiter(config.rateLimits),
    hasher: new FactHasher(config.hashKey),
    monitoring: undefined as unknown as MonitoringRunner,
    now,
    authenticate(req: Request) {
      const header = req.get('authorization');
      if (!header) throw new Unauthenticated('an access token is required: Authorization: Bearer <JWT>');
      const m = BEARER.exec(header);
      if (!m) throw new Unauthenticated('the Authorization header must be "Bearer <JWT>"');
      return tokens.verify(m[1]);
    },
  };
  services.monitoring = new MonitoringRunner({ store, trail: audit, now: services.now, log }, loadMonitoringPolicy(options.policyDir));
  watchMonitoring(metrics.registry, services.monitoring);
  metrics.watchOperations({
    outbox: () => outboxStats(store),
    newestCheckpoint: async () => {
      const row = await newestCheckpoint(store);
      return row && { at: new Date(row.ts), treeSize: Number(row.tree_size) };
    },
    treeSize: () => tree.size(),
    now,
  });

  // The console (templates, nhsuk-frontend, openid-client) is loaded on its first request, so a service
  // that only answers clinical systems does not carry it in memory (the RSS target of BENCHMARKS.md).
  let consoleHandler: Promise<express.RequestHandler> | undefined;
  const loadConsole = () => import('./console/router.ts').then(({ consoleRouter }) =>
    consoleRouter(services, { issuers, demoIssuer: options.demoIssuer ?? (config.demo ? loadDemoIssuer(config.dataDir, false) : undefined) }));
  const { app, routes } = createApp(services, featureRoutes(), {
    path: '/console',
    router: (req, res, next) => void (consoleHandler ??= loadConsole()).then((handler) => handler(req, res, next), next),
  });
  checkpointer.start();
  const stopPartitions = keepPartitions(store, services.now, log);
  // Delivers the alerts outbox to NTK_ALERT_WEBHOOKS; without webhooks alerts wait in the outbox.
  const alertWorker = config.alertWebhooks.length ? new AlertWorker(services).start() : undefined;
  if (options.monitorIntervalMs) services.monitoring.start(options.monitorIntervalMs);
  return {
    app,
    routes,
    services,
    async close() {
      await alertWorker?.stop();
      await services.monitoring.stop();
      policy.close();
      await audit.close();
      // Sign what was appended last, so no event of this process is left waiting for the next start.
      await checkpointer.checkpointNow().catch((err: unknown) =>
        log.error({ err: (err as Error).message }, 'final checkpoint not signed at stop: the last events wait for the next start to be signed'),
      );
      await checkpointer.stop();
      stopPartitions();
      if (!options.store) await store.close();
    },
  };
}

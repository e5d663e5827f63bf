/** Everything a route needs, built once at start-up (src/server.ts) and passed in. */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Store } from './store/store.ts';
import type { AuditLog } from './trail/log.ts';
import type { PolicyHolder } from './policy/holder.ts';
import type { Cis2Claims } from './identity/claims.ts';
import type { Metrics } from './http/metrics.ts';
import type { FactHasher } from './feeds/hash.ts';
import type { AuditTree } from './trail/tree.ts';
import type { Checkpointer } from './trail/checkpointer.ts';
import type { KeyHistory } from './trail/key-history.ts';
import type { CursorCodec } from './ig/cursor.ts';
import type { FactReader } from './facts/gather.ts';
import type { StaffTable } from './store/tables/staff.ts';
import type { SeenPrincipals } from './identity/seen.ts';
import type { ExplainDeps } from './authorise/explain.ts';
import type { ReachDeps } from './exposure/reach.ts';
import type { ExposureDeps } from './exposure/exposure.ts';
import type { AuditedChanges } from './change/audited-change.ts';
import type { MonitoringRunner } from './monitoring/runner.ts';
import type { RateLimiter } from './http/rate-limiter.ts';

export interface Services {
  config: Config;
  store: Store;
  log: Logger;
  policy: PolicyHolder;
  audit: AuditLog;
  /** The one unit of work for an audited change of facts. */
  changes: AuditedChanges;
  /** Reads the facts a decision needs (concurrent reads share a round trip). */
  facts: FactReader;
  /** The RFC 9162 Merkle tree over the audit events. */
  tree: AuditTree;
  /** Signs and publishes checkpoints of the tree. */
  checkpointer: Checkpointer;
  /** Every key the deployment has signed checkpoints with (keys.json beside the checkpoints). */
  keys: KeyHistory;
  cursors: CursorCodec;
  metrics: Metrics;
  /** Per-user rate limits, shared by the API and the console. */
  limiter: RateLimiter;
  hasher: FactHasher;
  staff: StaffTable;
  seen: SeenPrincipals;
  /** What the views of a decision (explain, reach, exposure) are built from. */
  views: ExplainDeps & ReachDeps & ExposureDeps;
  /** Privacy monitoring over the trail (polls off the request path; tests call runOnce). */
  monitoring: MonitoringRunner;
  /** Verifies the request's bearer token (401 problem when it fails). */
  authenticate(req: Request): Cis2Claims;
  /** Server clock; tests may replace it to cross time boundaries. */
  now(): Date;
}

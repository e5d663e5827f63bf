/** Everything a route needs, built once at start-up (src/server.ts) and passed in. */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Store } from './store/store.ts';
import type { AuditLog } from './audit/log.ts';
import type { PolicyHolder } from './policy/holder.ts';
import type { Cis2Claims } from './identity/claims.ts';
import type { Metrics } from './http/metrics.ts';
import type { FactHasher } from './feeds/hash.ts';
import type { AuditTree } from './audit/tree.ts';
import type { Checkpointer } from './audit/checkpoint.ts';
import type { CursorCodec } from './audit/cursor.ts';
import type { FactReader } from './facts/gather.ts';
import type { MonitoringRunner } from './monitoring/runner.ts';

export interface Services {
  config: Config;
  store: Store;
  log: Logger;
  policy: PolicyHolder;
  audit: AuditLog;
  /** Reads the facts a decision needs (concurrent reads share a round trip). */
  facts: FactReader;
  /** The RFC 9162 Merkle tree over the audit events. */
  tree: AuditTree;
  /** Signs and publishes checkpoints of the tree. */
  checkpointer: Checkpointer;
  cursors: CursorCodec;
  metrics: Metrics;
  hasher: FactHasher;
  /** Privacy monitoring over the trail (polls off the request path; tests call runOnce). */
  monitoring: MonitoringRunner;
  /** Verifies the request's bearer token (401 problem when it fails). */
  authenticate(req: Request): Cis2Claims;
  /** Server clock; tests may replace it to cross time boundaries. */
  now(): Date;
}

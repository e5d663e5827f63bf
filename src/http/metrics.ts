/** Prometheus metrics (prom-client), one registry per service instance. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxStats } from '../store/tables/alerts.ts';

/** What the operations gauges read at scrape time (one small query each; see watchOperations). */
export interface OperationsSources {
  outbox(): Promise<OutboxStats>;
  /** Time of the newest signed checkpoint, and the tree size it signs; undefined before the first. */
  newestCheckpoint(): Promise<{ at: Date; treeSize: number } | undefined>;
  /** Events in the audit tree (signed or not). */
  treeSize(): Promise<number>;
  now(): Date;
}

/** One call shared by every gauge collected in the same scrape: the query runs once per scrape, not once per series. */
function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => (inFlight ??= read().finally(() => (inFlight = undefined)));
}

export class Metrics {
  readonly registry = new Registry();
  readonly decisions = new Counter({
    name: 'ntk_decisions_total',
    help: 'Section decisions by outcome and precise reason code',
    labelNames: ['decision', 'reason'] as const,
    registers: [this.registry],
  });
  readonly decisionSeconds = new Histogram({
    name: 'ntk_authorise_seconds',
    help: 'Time to decide and durably audit one authorise request',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'ntk_http_request_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly auditEvents = new Counter({
    name: 'ntk_audit_events_total',
    help: 'Audit events committed',
    registers: [this.registry],
  });
  readonly auditFailures = new Counter({
    name: 'ntk_audit_failures_total',
    help: 'Requests refused with 503 because the audit trail or store could not be written',
    registers: [this.registry],
  });

  readonly shed = new Counter({
    name: 'ntk_http_shed_total',
    help: 'Requests refused with 429 because NTK_MAX_IN_FLIGHT requests were already in progress',
    registers: [this.registry],
  });

  readonly inFlight = new Gauge({
    name: 'ntk_http_in_flight',
    help: 'Authenticated requests holding an admission slot now (see NTK_MAX_IN_FLIGHT)',
    registers: [this.registry],
  });

  /**
   * The audit log's own counters, read at each scrape: ntk_audit_appended_events_total (every event it
   * committed, whatever the kind, in a batch or inside a caller's transaction),
   * ntk_audit_appended_batches_total (group commits) and ntk_audit_batches_total (by write path).
   */
  watchAudit(audit: { events: number; batches: number; fastBatches: number; missedBatches: number; slowBatches: number }): void {
    new Counter({
      name: 'ntk_audit_appended_events_total',
      help: 'Audit events committed by the audit log, of every kind (group commits and appends inside a caller\'s transaction)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(audit.events);
      },
    });
    new Counter({
      name: 'ntk_audit_appended_batches_total',
      help: 'Group commits of the audit log: batches of appends written together',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(audit.batches);
      },
    });
    new Counter({
      name: 'ntk_audit_batches_total',
      help: 'Audit batches: written in one statement, missed (another process appended first, so resent), or written by the transaction',
      labelNames: ['path'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ path: 'one-statement' }, audit.fastBatches);
        this.inc({ path: 'missed' }, audit.missedBatches);
        this.inc({ path: 'transaction' }, audit.slowBatches);
      },
    });
  }

  /** ntk_trail_unproven: 1 while the trail cannot be proved consistent with its published checkpoints (src/trail/guard.ts). */
  watchTrail(guard: { proven: boolean }, witnesses?: { belowQuorum: number }): void {
    new Counter({
      name: 'ntk_checkpoints_below_quorum_total',
      help: 'Checkpoints published with fewer witness cosignatures than NTK_WITNESS_QUORUM (kept out of checkpoints.witnessed.log)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(witnesses?.belowQuorum ?? 0);
      },
    });
    new Gauge({
      name: 'ntk_trail_unproven',
      help: '1 while the audit trail cannot be proved consistent with the checkpoints published outside the database: nothing is signed, decisions and audit reads get 503',
      registers: [this.registry],
      collect() {
        this.set(guard.proven ? 0 : 1);
      },
    });
  }

  /**
   * Gauges of the alert outbox and the checkpoints, read from the database at each scrape. They
   * describe the shared database, so every instance reports the same values: alert on max(), not sum().
   * (Monitoring lag is exported by src/monitoring/metrics.ts.)
   */
  watchOperations(sources: OperationsSources): void {
    const outbox = sharedWhileInFlight(() => sources.outbox());
    const checkpoint = sharedWhileInFlight(async () => {
      const [newest, size] = await Promise.all([sources.newestCheckpoint(), sources.treeSize()]);
      return { newest, size };
    });
    const seconds = (from: Date) => Math.max(0, (sources.now().getTime() - from.getTime()) / 1000);
    const gauge = (name: string, help: string, read: () => Promise<number>) =>
      new Gauge({ name, help, registers: [this.registry], async collect() { this.set(await read()); } });

    gauge('ntk_alerts_pending', 'Alerts in the outbox not yet accepted by every webhook', async () => (await outbox()).pending);
    gauge('ntk_alerts_oldest_pending_seconds', 'Age of the oldest pending alert (0 when none is pending)', async () => {
      const { oldestPendingAt } = await outbox();
      return oldestPendingAt ? seconds(oldestPendingAt) : 0;
    });
    gauge('ntk_alerts_failing', 'Pending alerts whose last delivery attempt failed (waiting to retry)', async () => (await outbox()).failing);
    gauge('ntk_alerts_dead', 'Alerts dead-lettered after the last delivery attempt failed', async () => (await outbox()).dead);
    gauge('ntk_checkpoint_age_seconds', 'Seconds since the newest signed checkpoint (0 before the first)', async () => {
      const { newest } = await checkpoint();
      return newest ? seconds(newest.at) : 0;
    });
    gauge('ntk_audit_unsigned_events', 'Audit events not yet covered by a signed checkpoint', async () => {
      const { newest, size } = await checkpoint();
      return Math.max(0, size - (newest?.treeSize ?? 0));
    });
  }

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}

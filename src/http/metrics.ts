/** Prometheus metrics (prom-client), one registry per service instance. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }
}

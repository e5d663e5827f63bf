/**
 * The alerts table: the outbox an alert is written to in the same transaction as what it reports
 * (src/change/audited-change.ts), then claimed and delivered by the worker (src/alerts/worker.ts).
 */
import type { Queryable } from '../store.ts';

export const ALERT_KINDS = ['break-glass', 'self-claim', 'grant', 'grant-extend', 'grant-revoke', 'monitoring'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertInput {
  kind: AlertKind;
  child?: string;
  /** Id of the break-glass, relationship or grant the alert is about. */
  ref: string;
  /** Identifiers and reasons only, never clinical content. */
  payload: Record<string, unknown>;
  recipients: string[];
  now: Date;
}

/** An alert as delivery reads it. */
export interface AlertRow {
  id: string;
  kind: string;
  child: string | null;
  ref: string;
  payload: Record<string, unknown>;
  recipients: string[];
  created_at: Date | string;
  attempts: number;
  delivered_to: string[];
}

/** Inserts the alert with the id given (also the Idempotency-Key of every delivery), due at once. */
export async function insertAlert(tx: Queryable, id: string, alert: AlertInput): Promise<void> {
  await tx.query(
    `insert into alerts (id, kind, child, ref, payload, recipients, next_attempt_at, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6::text[], $7, $7)`,
    [id, alert.kind, alert.child ?? null, alert.ref, JSON.stringify(alert.payload), alert.recipients, alert.now.toISOString()],
  );
}

/**
 * Claims up to `limit` due alerts in one statement: FOR UPDATE SKIP LOCKED picks rows no other
 * process is claiming, and the claim moves next_attempt_at to `leaseUntil`, so the rows stay
 * invisible to other workers while this one delivers.
 */
export async function claimDueAlerts(db: Queryable, now: Date, leaseUntil: Date, limit: number): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(
    `update alerts set attempts = attempts + 1, next_attempt_at = $2
      where id in (select id from alerts where status = 'pending' and next_attempt_at <= $1
                    order by next_attempt_at limit $3 for update skip locked)
     returning id, kind, child, ref, payload, recipients, created_at, attempts, delivered_to`,
    [now.toISOString(), leaseUntil.toISOString(), limit],
  );
  return rows;
}

export async function markDelivered(db: Queryable, id: string, deliveredTo: string[], now: Date): Promise<void> {
  await db.query(
    `update alerts set status = 'delivered', delivered_at = $2, delivered_to = $3::text[], last_error = null where id = $1 and status = 'pending'`,
    [id, now.toISOString(), deliveredTo],
  );
}

/** Records a failed round: pending again at `next`, or dead. */
export async function markFailed(db: Queryable, id: string, dead: boolean, next: Date, deliveredTo: string[], error: string): Promise<void> {
  await db.query(
    `update alerts set status = $2, next_attempt_at = $3, delivered_to = $4::text[], last_error = $5 where id = $1 and status = 'pending'`,
    [id, dead ? 'dead' : 'pending', next.toISOString(), deliveredTo, error],
  );
}

export interface AlertListRow extends Omit<AlertRow, 'delivered_to' | 'created_at'> {
  status: string;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  webhooks_accepted: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledge_note: string | null;
}

export interface AlertFilter {
  /** Delivery to webhooks. */
  status?: 'pending' | 'delivered' | 'dead';
  /** In the inbox: not yet acknowledged (pending), or acknowledged. */
  state?: 'pending' | 'acknowledged';
  kind?: AlertKind;
  from?: string;
  to?: string;
  limit: number;
}

const LIST_COLUMNS = `id, kind, child, ref, payload, recipients, status, attempts, next_attempt_at, last_error, created_at, delivered_at,
            cardinality(delivered_to) as webhooks_accepted, acknowledged_at, acknowledged_by, acknowledge_note`;

/** One alert as listed, locked for the acknowledgement being recorded. */
export async function alertForUpdate(tx: Queryable, id: string): Promise<AlertListRow | undefined> {
  const { rows } = await tx.query<AlertListRow>(`select ${LIST_COLUMNS} from alerts where id = $1 for update`, [id]);
  return rows[0];
}

export async function acknowledgeAlert(tx: Queryable, id: string, by: string, note: string | null, at: Date): Promise<AlertListRow> {
  const { rows } = await tx.query<AlertListRow>(
    `update alerts set acknowledged_at = $2, acknowledged_by = $3, acknowledge_note = $4 where id = $1 returning ${LIST_COLUMNS}`,
    [id, at.toISOString(), by, note],
  );
  return rows[0];
}

/** Newest first, filtered by delivery status, inbox state, kind and creation time. */
export async function listAlerts(db: Queryable, f: AlertFilter): Promise<AlertListRow[]> {
  const { rows } = await db.query<AlertListRow>(
    `select ${LIST_COLUMNS}
       from alerts
      where ($1::text is null or status = $1) and ($2::timestamptz is null or created_at >= $2) and ($3::timestamptz is null or created_at < $3)
        and ($5::text is null or kind = $5)
        and ($6::text is null or ($6 = 'acknowledged') = (acknowledged_at is not null))
      order by created_at desc, id limit $4`,
    [f.status ?? null, f.from ?? null, f.to ?? null, f.limit, f.kind ?? null, f.state ?? null],
  );
  return rows;
}

/** The outbox at a glance, for /metrics: one statement over the partial index of pending rows and the status index. */
export interface OutboxStats {
  pending: number;
  /** Pending alerts whose last delivery attempt failed (they wait for a retry). */
  failing: number;
  /** Alerts given up on after the last attempt. */
  dead: number;
  oldestPendingAt: Date | null;
}

export async function outboxStats(db: Queryable): Promise<OutboxStats> {
  const { rows } = await db.query<{ pending: number; failing: number; dead: number; oldest: Date | string | null }>(
    `select count(*) filter (where status = 'pending')::int as pending,
            count(*) filter (where status = 'pending' and last_error is not null)::int as failing,
            count(*) filter (where status = 'dead')::int as dead,
            min(created_at) filter (where status = 'pending') as oldest
       from alerts where status in ('pending', 'dead')`,
    [],
  );
  const r = rows[0];
  return { pending: Number(r.pending), failing: Number(r.failing), dead: Number(r.dead), oldestPendingAt: r.oldest === null ? null : new Date(r.oldest) };
}

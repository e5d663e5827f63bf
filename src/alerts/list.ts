/** The alerts outbox as IG officers see it: newest first, filtered by status and creation time. */
import type { Queryable } from '../store/store.ts';
import type { AlertRow } from './deliver.ts';

export interface AlertQuery {
  status?: 'pending' | 'delivered' | 'dead';
  from?: string;
  to?: string;
  limit: number;
}

/** An outbox row as delivery reads it, plus its delivery state. */
interface Row extends Omit<AlertRow, 'delivered_to' | 'created_at'> {
  status: string;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  webhooks_accepted: number;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listAlerts(db: Queryable, q: AlertQuery) {
  const { rows } = await db.query<Row>(
    `select id, kind, child, ref, payload, recipients, status, attempts, next_attempt_at, last_error, created_at, delivered_at,
            cardinality(delivered_to) as webhooks_accepted
       from alerts
      where ($1::text is null or status = $1) and ($2::timestamptz is null or created_at >= $2) and ($3::timestamptz is null or created_at < $3)
      order by created_at desc, id limit $4`,
    [q.status ?? null, q.from ?? null, q.to ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    child: r.child,
    ref: r.ref,
    recipients: r.recipients,
    status: r.status,
    attempts: r.attempts,
    // Webhook URLs may carry secrets, so only the number that accepted the alert is shown.
    webhooksAccepted: r.webhooks_accepted,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastError: r.last_error,
    createdAt: iso(r.created_at),
    deliveredAt: iso(r.delivered_at),
    data: r.payload,
  }));
}

/** The alerts outbox as IG officers see it: newest first, filtered by status and creation time; the look is on the trail. */
import type { Queryable } from '../store/store.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from '../ig/audit-query.ts';
import { listAlerts as alertRows, type AlertFilter, type AlertListRow } from '../store/tables/alerts.ts';

export type AlertQuery = AlertFilter;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listAlerts(deps: { store: Queryable; audit: TrailAppender }, who: Asker, q: AlertQuery) {
  const alerts = (await alertRows(deps.store, q)).map(alertView);
  await recordAuditQuery(deps.audit, who, 'alerts', q, alerts.length);
  return alerts;
}

/** An alert as the API shows it: delivery state, and its state in the inbox. */
export function alertView(r: AlertListRow) {
  return {
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
    state: r.acknowledged_at ? 'acknowledged' as const : 'pending' as const,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    acknowledgeNote: r.acknowledge_note,
    data: r.payload,
  };
}

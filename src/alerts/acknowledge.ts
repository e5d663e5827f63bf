/**
 * Acknowledging an alert in the inbox: recorded once (a second acknowledgement is a 409), with who
 * and an optional note, and audited in the same unit of work.
 */
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import { actorOf } from '../trail/actor.ts';
import { Conflict, NotFound } from '../errors.ts';
import { acknowledgeAlert, alertForUpdate } from '../store/tables/alerts.ts';
import { alertView } from './list.ts';

export async function acknowledge(changes: AuditedChanges, by: Principal, id: string, note: string | undefined, requestId: string) {
  const { value } = await changes.run(async (c) => {
    const alert = await alertForUpdate(c.tx, id);
    if (!alert) throw new NotFound('no alert with this id');
    if (alert.acknowledged_at) throw new Conflict(`this alert was acknowledged at ${new Date(alert.acknowledged_at).toISOString()}`);
    const row = await acknowledgeAlert(c.tx, id, by.userId, note ?? null, c.now);
    c.audit({ kind: 'alert-acknowledge', actor: actorOf(by), child: row.child ?? undefined, requestId, details: { alertId: id, alertKind: row.kind, ref: row.ref, note: note ?? null } });
    return row;
  });
  return alertView(value);
}

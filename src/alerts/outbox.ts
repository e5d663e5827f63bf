/** Puts an alert in the outbox inside the caller's transaction, so it commits (or rolls back) with what it is about. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/store.ts';

export type AlertKind = 'break-glass' | 'self-claim' | 'grant' | 'grant-revoke';

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

/** Inserts the alert, due at once; returns its id (also the Idempotency-Key of every delivery). */
export async function enqueueAlert(tx: Queryable, alert: AlertInput): Promise<string> {
  const id = randomUUID();
  await insertAlert(tx, id, alert);
  return id;
}

/** Inserts the alert with the id given (see change/audited-change.ts), due at once. */
export async function insertAlert(tx: Queryable, id: string, alert: AlertInput): Promise<void> {
  await tx.query(
    `insert into alerts (id, kind, child, ref, payload, recipients, next_attempt_at, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6::text[], $7, $7)`,
    [id, alert.kind, alert.child ?? null, alert.ref, JSON.stringify(alert.payload), alert.recipients, alert.now.toISOString()],
  );
}

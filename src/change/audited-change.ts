/**
 * One unit of work for every audited change of facts (feeds, grants, break-glass, reviews, cases):
 * the caller's writes, the fact-change record that makes its consistency token, the alerts it raises
 * and its trail events commit together in one transaction, or none of them does. A change that names
 * no trail event is refused before commit: a fact cannot change unaudited.
 *
 * @example
 *   const { value, consistencyToken } = await changes.run(async (c) => {
 *     const row = await grantsTable.insert(c.tx, grant);
 *     c.factChanged('grant', row.id);
 *     const alertId = c.alert({ kind: 'grant', child, ref: row.id, payload, recipients });
 *     c.audit({ kind: 'grant', actor, child, details: { grantId: row.id, alertId } });
 *     return row;
 *   });
 */
import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/store.ts';
import { recordFactChange } from '../store/tables/fact-changes.ts';
import type { AuditEventInput } from '../trail/event.ts';
import type { AppendedEvent } from '../trail/log.ts';
import { insertAlert, type AlertInput } from '../store/tables/alerts.ts';

/** What a unit of work needs from the trail: appending inside an open transaction. */
export interface TrailWithin {
  appendWithin(tx: Queryable, inputs: AuditEventInput[]): Promise<AppendedEvent[]>;
}

/** The change being made: its transaction and what it will record at commit. */
export interface Change {
  readonly tx: Queryable;
  readonly now: Date;
  /** Records that a fact changed (kind and key); the change's consistency token covers it. */
  factChanged(kind: string, key: string): void;
  /** Queues an alert to commit with the change; returns its id (to cite in the trail event). */
  alert(alert: Omit<AlertInput, 'now'>): string;
  /** Queues trail events to commit with the change, in order. */
  audit(...events: AuditEventInput[]): void;
}

export interface ChangeResult<T> {
  value: T;
  /** Present when a fact changed: the token to pass as `atLeast` to authorise. */
  consistencyToken?: string;
  events: AppendedEvent[];
}

export const tokenFor = (seq: number): string => `ct1.${seq}`;
/** The fact-change sequence number a consistency token stands for (NaN when it is not one). */
export const seqOf = (token: string): number => (/^ct1\.\d{1,15}$/.test(token) ? Number(token.slice(4)) : NaN);

export class AuditedChanges {
  constructor(
    private readonly store: Pick<Store, 'transaction'>,
    private readonly trail: TrailWithin,
    private readonly now: () => Date,
  ) {}

  async run<T>(work: (change: Change) => Promise<T>): Promise<ChangeResult<T>> {
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const facts: [string, string][] = [];
      const alerts: AlertInput[] = [];
      const events: AuditEventInput[] = [];
      const ids: string[] = [];
      const change: Change = {
        tx,
        now,
        factChanged: (kind, key) => void facts.push([kind, key]),
        alert: (alert) => {
          const id = randomUUID();
          alerts.push({ ...alert, now });
          ids.push(id);
          return id;
        },
        audit: (...e) => void events.push(...e),
      };
      const value = await work(change);
      if (!events.length) throw new Error('an audited change must record at least one trail event');
      let consistencyToken: string | undefined;
      for (const [kind, key] of facts) consistencyToken = tokenFor(await recordFactChange(tx, kind, key));
      for (let i = 0; i < alerts.length; i++) await insertAlert(tx, ids[i], alerts[i]);
      const appended = await this.trail.appendWithin(tx, events);
      return { value, consistencyToken, events: appended };
    });
  }
}

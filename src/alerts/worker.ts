/**
 * The alerts delivery worker: claims due alerts from the outbox, POSTs each to every webhook that has
 * not yet accepted it, retries with exponential backoff and marks an alert dead after maxAttempts.
 *
 * Claiming is one statement: FOR UPDATE SKIP LOCKED picks rows no other process is claiming, and the
 * claim moves next_attempt_at a lease ahead, so the rows stay invisible to other workers while this
 * one delivers (outside any transaction). A worker that dies mid-delivery loses nothing: the lease
 * runs out and another worker delivers again, with the same Idempotency-Key.
 */
import type { Services } from '../services.ts';
import { alertBody, postAlert, type AlertRow } from './deliver.ts';

export interface AlertWorkerOptions {
  webhooks: string[];
  secret: string;
  intervalMs: number;
  batchSize: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
  leaseMs: number;
  now: () => Date;
}

const CLAIM = `
update alerts set attempts = attempts + 1, next_attempt_at = $2
 where id in (select id from alerts where status = 'pending' and next_attempt_at <= $1
               order by next_attempt_at limit $3 for update skip locked)
returning id, kind, child, ref, payload, recipients, created_at, attempts, delivered_to`;

export class AlertWorker {
  readonly options: AlertWorkerOptions;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly services: Pick<Services, 'store' | 'log' | 'now' | 'config'>, options: Partial<AlertWorkerOptions> = {}) {
    this.options = {
      webhooks: services.config.alertWebhooks,
      secret: services.config.alertSecret,
      intervalMs: 1_000,
      batchSize: 20,
      baseDelayMs: 5_000,
      maxDelayMs: 15 * 60_000,
      maxAttempts: 10,
      timeoutMs: 5_000,
      leaseMs: 60_000,
      now: () => services.now(),
      ...options,
    };
  }

  /** Polls every intervalMs (the timer does not keep the process alive). */
  start(): this {
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
    this.tick();
    return this;
  }

  /** Stops polling and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.runOnce()
      .catch((err: Error) => this.services.log.warn({ err: err.message }, 'alert delivery round failed; will retry'))
      .finally(() => (this.running = undefined));
  }

  /** One round: claim the due alerts and deliver them. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    // With no webhook an alert could only be marked delivered to nobody: leave it pending.
    if (!this.options.webhooks.length) return 0;
    const now = this.options.now();
    const { rows } = await this.services.store.query<AlertRow>(CLAIM, [
      now.toISOString(), new Date(now.getTime() + this.options.leaseMs).toISOString(), this.options.batchSize,
    ]);
    await Promise.all(rows.map((a) => this.deliver(a)));
    return rows.length;
  }

  /** Delay before attempt n+1 after n failed attempts: base * 2^(n-1), capped, with up to 20% jitter. */
  backoffMs(attempts: number): number {
    const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(delay * (1 + Math.random() * 0.2));
  }

  private async deliver(alert: AlertRow): Promise<void> {
    const body = alertBody(alert);
    const pending = this.options.webhooks.filter((url) => !alert.delivered_to.includes(url));
    const results = await Promise.all(pending.map((url) => postAlert(url, alert, body, this.options.secret, this.options.timeoutMs)));
    const deliveredTo = [...alert.delivered_to, ...pending.filter((_, i) => results[i] === undefined)];
    const errors = pending.flatMap((url, i) => (results[i] === undefined ? [] : [`${new URL(url).host}: ${results[i]}`]));
    const now = this.options.now();
    if (!errors.length) {
      await this.services.store.query(
        `update alerts set status = 'delivered', delivered_at = $2, delivered_to = $3::text[], last_error = null where id = $1 and status = 'pending'`,
        [alert.id, now.toISOString(), deliveredTo],
      );
      return;
    }
    const dead = alert.attempts >= this.options.maxAttempts;
    const next = new Date(now.getTime() + this.backoffMs(alert.attempts));
    await this.services.store.query(
      `update alerts set status = $2, next_attempt_at = $3, delivered_to = $4::text[], last_error = $5 where id = $1 and status = 'pending'`,
      [alert.id, dead ? 'dead' : 'pending', next.toISOString(), deliveredTo, errors.join('; ').slice(0, 1000)],
    );
    const log = { alert: alert.id, kind: alert.kind, attempts: alert.attempts, error: errors.join('; ') };
    if (dead) this.services.log.error(log, 'alert could not be delivered: dead-lettered');
    else this.services.log.warn(log, 'alert delivery failed; will retry');
  }
}

/**
 * The alerts delivery worker: claims due alerts from the outbox, POSTs each to every webhook that has
 * not yet accepted it, retries with exponential backoff and marks an alert dead after maxAttempts.
 *
 * Claiming is one statement (src/store/tables/alerts.ts): the claim moves next_attempt_at a lease
 * ahead, so the rows stay invisible to other workers while this one delivers (outside any
 * transaction). A worker that dies mid-delivery loses nothing: the lease runs out and another
 * worker delivers again, with the same Idempotency-Key.
 */
import type { Services } from '../services.ts';
import { alertBody, postAlert } from './deliver.ts';
import { claimDueAlerts, markDelivered, markFailed, type AlertRow } from '../store/tables/alerts.ts';

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
    const rows = await claimDueAlerts(this.services.store, now, new Date(now.getTime() + this.options.leaseMs), this.options.batchSize);
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
      await markDelivered(this.services.store, alert.id, deliveredTo, now);
      return;
    }
    const dead = alert.attempts >= this.options.maxAttempts;
    const next = new Date(now.getTime() + this.backoffMs(alert.attempts));
    await markFailed(this.services.store, alert.id, dead, next, deliveredTo, errors.join('; ').slice(0, 1000));
    const log = { alert: alert.id, kind: alert.kind, attempts: alert.attempts, error: errors.join('; ') };
    if (dead) this.services.log.error(log, 'alert could not be delivered: dead-lettered');
    else this.services.log.warn(log, 'alert delivery failed; will retry');
  }
}

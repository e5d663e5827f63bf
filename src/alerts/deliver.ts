/**
 * One delivery of one alert to one webhook: the exact JSON bytes, signed with HMAC-SHA256 of those
 * bytes (X-NTK-Signature: sha256=<hex>), with the alert id as Idempotency-Key so a receiver can drop
 * the repeats that at-least-once delivery allows.
 */
import { createHmac } from 'node:crypto';
import type { AlertRow } from '../store/tables/alerts.ts';

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

/** The body sent for an alert: the same bytes on every attempt, so the signature is stable too. */
export function alertBody(a: AlertRow): string {
  return JSON.stringify({ id: a.id, kind: a.kind, createdAt: iso(a.created_at), child: a.child, ref: a.ref, recipients: a.recipients, data: a.payload });
}

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** POSTs the alert; resolves to undefined when the webhook accepted it (2xx), else to the reason it did not. */
export async function postAlert(url: string, alert: AlertRow, body: string, secret: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'needtoknow-alerts/1',
        'X-NTK-Signature': signBody(secret, body),
        'Idempotency-Key': alert.id,
        'X-NTK-Alert-Kind': alert.kind,
        'X-NTK-Delivery-Attempt': String(alert.attempts),
      },
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : e.cause?.code ?? e.message;
  }
}

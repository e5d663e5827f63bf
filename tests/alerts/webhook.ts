/** A local webhook receiver for the alert tests (127.0.0.1 only): records every request with its raw body. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
}

export interface Webhook {
  url: string;
  received: Received[];
  /** Status to answer the n-th request with (0-based); 200 unless set. */
  respond: (n: number) => number;
  close(): Promise<void>;
}

export async function startWebhook(respond: (n: number) => number = () => 200): Promise<Webhook> {
  const received: Received[] = [];
  const hook = { received, respond } as Webhook;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const n = received.length;
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = hook.respond(n);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  hook.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return hook;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

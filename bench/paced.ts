/**
 * Open-loop load at a steady rate: request i is due at start + i/rate and is sent then (a few per 1 ms
 * timer tick), whatever the answers before it; latency is measured from when it was due, so a stall
 * shows in the figures (no coordinated omission). autocannon's overallRate instead gives each connection
 * a quota per second, which it sends back to back at the start of each second: bursts, not a rate.
 */
import http from 'node:http';
import type { LoadFigures, Request } from './http.ts';
import { latency, round } from './stats.ts';

export async function paced(opts: { url: string; target: string; scenario: string; rate: number; seconds: number; make: () => Request }): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(opts.rate * opts.seconds);
  const interval = 1000 / opts.rate;
  const ms: number[] = [];
  let failure: string | null = null;
  let sent = 0;
  let inFlight = 0;
  let sections = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const done = () => {
      if (sent >= total && inFlight === 0) resolve();
    };
    const fire = (due: number) => {
      const r = opts.make();
      inFlight++;
      const req = http.request(`${opts.url}${r.path}`, {
        method: 'POST', agent,
        headers: { ...r.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          ms.push(performance.now() - due);
          const body = Buffer.concat(chunks).toString();
          let problem: string | null;
          if (res.statusCode !== 200) problem = `HTTP ${res.statusCode}: ${body.slice(0, 300)}`;
          else {
            try {
              problem = r.verify(JSON.parse(body));
            } catch (err) {
              problem = `unreadable answer: ${(err as Error).message}`;
            }
          }
          if (problem) failure ??= `${opts.target} ${opts.scenario} (paced): ${problem}`;
          sections += r.sections;
          inFlight--;
          done();
        });
      });
      req.on('error', (err) => {
        failure ??= `${opts.target} ${opts.scenario} (paced): ${err.message}`;
        inFlight--;
        done();
      });
      req.end(r.body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  if (failure) throw new Error(failure);
  const l = latency(ms);
  return {
    target: opts.target, scenario: opts.scenario, mode: 'paced', connections: 0, rate: opts.rate, seconds: round(seconds, 1),
    requests: ms.length, requestsPerSecond: round(ms.length / seconds), sectionsPerSecond: round(sections / seconds),
    latencyMs: { p50: round(l.p50, 1), p90: round(l.p90, 1), p99: round(l.p99, 1), max: round(l.max, 1) },
  };
}

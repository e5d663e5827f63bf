/**
 * Load over HTTP on loopback with autocannon: at saturation (as fast as the target answers) or at a fixed
 * rate. Each request comes from a maker, and each answer is checked in onResponse: a wrong decision,
 * a non-2xx status or a connection error fails the run.
 */
import autocannon from 'autocannon';
import { round } from './stats.ts';

export interface Request {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Sections decided by this request (0 for the baseline). */
  sections: number;
  /** null when the parsed answer is right. */
  verify(body: unknown): string | null;
}

export interface LoadFigures {
  target: string;
  scenario: string;
  /** rate: autocannon overallRate (bursts each second); paced: steady open-loop rate (bench/paced.ts). */
  mode: 'saturation' | 'rate' | 'paced';
  connections: number;
  rate?: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  sectionsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /**
   * CPU per answered request (filled in by the caller): the target process, the PostgreSQL backends of the
   * bench database, and the load generator (this process: autocannon or bench/paced.ts).
   */
  cpuMsPerRequest?: { target: number; postgres: number; loadGenerator?: number };
}

interface Ctx {
  req?: Request;
}

export async function load(opts: {
  url: string;
  target: string;
  scenario: string;
  connections: number;
  seconds: number;
  rate?: number;
  make: () => Request;
}): Promise<LoadFigures> {
  let failure: string | null = null;
  let sections = 0;
  let checked = 0;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const r = opts.make();
          (context as Ctx).req = r;
          return { ...request, path: r.path, body: r.body, headers: { ...r.headers, 'content-type': 'application/json' } };
        },
        onResponse: (status, body, context) => {
          const r = (context as Ctx).req!;
          let problem: string | null;
          if (status !== 200) problem = `HTTP ${status}: ${body.slice(0, 300)}`;
          else {
            try {
              problem = r.verify(JSON.parse(body));
            } catch (err) {
              problem = `unreadable answer: ${(err as Error).message}`;
            }
          }
          if (problem) failure ??= `${opts.target} ${opts.scenario}: ${problem}`;
          sections += r.sections;
          checked++;
        },
      },
    ],
  });
  if (result.errors || result.timeouts) failure ??= `${opts.target} ${opts.scenario}: ${result.errors} connection errors, ${result.timeouts} timeouts`;
  if (result.non2xx) failure ??= `${opts.target} ${opts.scenario}: ${result.non2xx} non-2xx answers`;
  if (!checked) failure ??= `${opts.target} ${opts.scenario}: no answers`;
  if (failure) throw new Error(failure);
  return {
    target: opts.target,
    scenario: opts.scenario,
    mode: opts.rate ? 'rate' : 'saturation',
    connections: opts.connections,
    ...(opts.rate ? { rate: opts.rate } : {}),
    seconds: result.duration,
    requests: checked,
    requestsPerSecond: round(checked / result.duration),
    sectionsPerSecond: round(sections / result.duration),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  };
}

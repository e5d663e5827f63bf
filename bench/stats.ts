/** Small measuring helpers: percentiles, timed loops, and a fixed number of concurrent workers. */

export interface Latency {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Percentiles of durations in milliseconds. */
export function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN);
  return { n: s.length, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

export const now = () => performance.now();

/** Runs `fn` once per item, one at a time, and returns each call's duration in ms. */
export async function timeEach<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const item of items) {
    const t = now();
    await fn(item);
    out.push(now() - t);
  }
  return out;
}

/**
 * `workers` loops calling `fn` until `seconds` have passed; returns calls made, the units they report
 * (e.g. decisions), the wall time and every call's duration.
 */
export async function saturate(workers: number, seconds: number, fn: () => Promise<number>): Promise<{ calls: number; units: number; seconds: number; ms: number[] }> {
  const end = now() + seconds * 1000;
  const ms: number[] = [];
  let units = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (now() < end) {
        const t = now();
        const u = await fn();
        units += u;
        ms.push(now() - t);
      }
    }),
  );
  return { calls: ms.length, units, seconds: (now() - started) / 1000, ms };
}

export const round = (x: number, digits = 0) => Number(x.toFixed(digits));

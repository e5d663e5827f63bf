/**
 * Per-key, per-minute rate limits where abuse is cheap (NTK_RATE_LIMITS): failed tokens per address,
 * exports, imports and explain per user. One instance per process, shared by the API's guards and the
 * console, so a what-if in the browser draws on the same `explain` bucket as POST /v1/authorise:explain.
 * Break-glass declarations and health checks are never limited.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimited } from '../errors.ts';
import type { RateLimits } from '../config.ts';

/** Named buckets a route (or a console screen) may draw on, per principal. */
export type RateBucket = 'exports' | 'imports' | 'explain';

export class RateLimiter {
  private readonly buckets: Record<keyof RateLimits, RateLimiterMemory | undefined>;

  constructor(limits: RateLimits) {
    const per = (n: number) => (n > 0 ? new RateLimiterMemory({ points: n, duration: 60 }) : undefined);
    this.buckets = { failedTokens: per(limits.failedTokens), exports: per(limits.exports), imports: per(limits.imports), explain: per(limits.explain) };
  }

  /** Takes one point for `key` (RateLimited, with the seconds to wait, past the limit); `what` words the refusal. */
  async take(bucket: keyof RateLimits, key: string, what: string): Promise<void> {
    const limiter = this.buckets[bucket];
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new RateLimited(`too many ${what}; retry after the time given`, Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
    }
  }
}

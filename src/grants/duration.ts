/** How long a grant may last: it ends at most the policy's grants.maxDays from now (exactly the maximum is allowed). */
import type { Policy } from '../policy/policy.ts';

export const DAY = 86_400_000;

/** The latest end a grant made or extended now may have. */
export function latestGrantEnd(policy: Policy, now: Date): Date {
  return new Date(now.getTime() + policy.parameters.grants.maxDays * DAY);
}

/**
 * The policy's rule for the free-text reason an exception access must give (grants, self-claims,
 * revocations, break-glass): at least the policy's minimum length once trimmed (the schemas trim).
 * It lives with the policy because the minimum is a policy parameter and every capability that asks
 * for a reason applies the same rule.
 */
import type { FieldError } from '../errors.ts';

export function reasonError(field: string, reason: string, min: number): FieldError[] {
  return reason.length < min ? [{ field, message: `must be at least ${min} characters: say why this access is needed` }] : [];
}

/**
 * The coded break-glass reasons. They are policy data (parameters.json breakGlass.reasonCodes); the
 * list shipped there is repeated here as the fallback for a policy that names none.
 */
import type { Parameters } from '../policy/policy.ts';

export const DEFAULT_REASON_CODES = ['EMERGENCY_TREATMENT', 'SAFEGUARDING_EMERGENCY', 'UNCONSCIOUS_PATIENT', 'OTHER'];

export function reasonCodes(parameters: Parameters): string[] {
  const listed = (parameters.breakGlass as { reasonCodes?: unknown }).reasonCodes;
  return Array.isArray(listed) && listed.length && listed.every((c) => typeof c === 'string') ? (listed as string[]) : DEFAULT_REASON_CODES;
}

/**
 * Separation of duties, as policy data (parameters.json `separationOfDuties`): nobody reviews their
 * own break-glass, grants themselves access, or grants a team they belong to, unless the policy says
 * they may. These are pure checks; the use cases audit the refusal and answer 403.
 */
import type { Parameters } from './policy.ts';
import type { AuditEventInput } from '../trail/event.ts';

/** What a use case needs to put a refusal on the trail outside any change (a refusal changes no fact). */
export interface RefusalTrail {
  appendOne(event: AuditEventInput): Promise<unknown>;
}

type Separation = Parameters['separationOfDuties'];

/** SELF_GRANT or GRANT_TO_OWN_TEAM when the grant would give the granter herself access, else undefined. */
export function selfGrantRefusal(sod: Separation, granter: string, grantee: string, granterTeams: Iterable<string>): 'SELF_GRANT' | 'GRANT_TO_OWN_TEAM' | undefined {
  if (!sod.selfGrant && grantee === `user:${granter}`) return 'SELF_GRANT';
  if (!sod.grantToOwnTeam && grantee.startsWith('team:') && new Set(granterTeams).has(grantee.slice(5))) return 'GRANT_TO_OWN_TEAM';
  return undefined;
}

/** SELF_REVIEW when the reviewer declared the break-glass herself (whatever role either was made under). */
export function selfReviewRefusal(sod: Separation, reviewer: string, declarer: string): 'SELF_REVIEW' | undefined {
  return !sod.selfReview && reviewer === declarer ? 'SELF_REVIEW' : undefined;
}

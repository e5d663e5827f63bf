/**
 * A safeguarding lead grants a named user or team access to named sections of one child of their
 * area, for one purpose, with a reason, until an expiry within the policy maximum. Never to herself
 * nor to a team she belongs to (separation of duties, policy data): that is 403, and audited. The
 * grant, its audit event and its alert commit together.
 */
import { randomUUID } from 'node:crypto';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import type { Queryable } from '../store/store.ts';
import { InvalidInput, NotAllowed, type FieldError } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { ageInYears } from '../policy/decide.ts';
import { reasonError } from '../policy/reason.ts';
import { selfGrantRefusal, type RefusalTrail } from '../policy/separation.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { childArea } from '../store/tables/children.ts';
import { insertGrant } from '../store/tables/grants.ts';
import { teamIdsOfUser } from '../store/tables/staff.ts';
import { leadAreas, notInAreaMessage } from './lead-area.ts';
import { granteeRoles } from './grantee.ts';
import { grantView } from './view.ts';
import { latestGrantEnd } from './duration.ts';

export interface GrantInput {
  child: string;
  grantee: string;
  sections: string[];
  purposeOfUse: string;
  reason: string;
  expiresAt: string;
}

export interface GrantDeps {
  db: Queryable;
  changes: AuditedChanges;
  trail: RefusalTrail;
  policy: Policy;
  now: () => Date;
}

/** Everything that can be wrong with the request, found before anything is written. */
async function check(db: Queryable, policy: Policy, principal: Principal, input: GrantInput, now: Date): Promise<FieldError[]> {
  const { maxDays, minReasonLength } = policy.parameters.grants;
  const errors = reasonError('body.reason', input.reason, minReasonLength);
  const expires = Date.parse(input.expiresAt);
  if (expires <= now.getTime()) errors.push({ field: 'body.expiresAt', message: 'must be in the future' });
  else if (expires > latestGrantEnd(policy, now).getTime()) errors.push({ field: 'body.expiresAt', message: `must be at most ${maxDays} days from now` });

  const areas = leadAreas(principal);
  const child = await childArea(db, input.child);
  const inArea = child !== undefined && areas.includes(child.area);
  if (!inArea) errors.push({ field: 'body.child', message: notInAreaMessage(areas) });

  const roles = await granteeRoles(db, policy, input.grantee);
  if (!roles) {
    errors.push({ field: 'body.grantee', message: `no ${input.grantee.split(':')[0]} with this id has been fed` });
    return errors;
  }
  const outside = input.sections.filter((s) => !roles.some((r) => policy.roleMaySee(r, s)));
  if (outside.length) {
    errors.push({ field: 'body.sections', message: `beyond what the grantee's role (${roles.join(' or ')}) may ever see: ${outside.join(', ')}` });
  } else if (inArea) {
    const age = ageInYears(child.dateOfBirth, now);
    const unserved = input.sections.filter((s) => !roles.some((r) => policy.allows(r, s, 'grant', input.purposeOfUse, age)));
    if (unserved.length) errors.push({ field: 'body.purposeOfUse', message: `the policy honours no grant for ${input.purposeOfUse} on ${unserved.join(', ')} for this child` });
  }
  return errors;
}

/**
 * Refuses (403, audited as an event of `kind` with decision deny) giving access to the lead herself or
 * to a team she belongs to, by the feed or by her token. Extending a grant gives access too: same check.
 */
export async function checkSeparation(
  deps: Pick<GrantDeps, 'db' | 'trail' | 'policy'>, principal: Principal, input: Pick<GrantInput, 'child' | 'grantee' | 'sections' | 'purposeOfUse'>,
  requestId: string, kind = 'grant', details: Record<string, unknown> = {},
): Promise<void> {
  const teams = input.grantee.startsWith('team:') ? [...principal.workgroups, ...(await teamIdsOfUser(deps.db, principal.userId))] : [];
  const refusal = selfGrantRefusal(deps.policy.parameters.separationOfDuties, principal.userId, input.grantee, teams);
  if (!refusal) return;
  await deps.trail.appendOne({
    kind, actor: actorOf(principal), child: input.child, purpose: input.purposeOfUse, decision: 'deny', requestId,
    policyVersion: deps.policy.version, details: { ...details, reason: refusal, grantee: input.grantee, sections: input.sections },
  });
  throw new NotAllowed(refusal === 'SELF_GRANT'
    ? 'you may not grant access to yourself (separation of duties): ask another safeguarding lead'
    : 'you may not grant access to a team you belong to (separation of duties): ask another safeguarding lead');
}

export async function createGrant(deps: GrantDeps, principal: Principal, input: GrantInput, requestId: string) {
  const { policy } = deps;
  await checkSeparation(deps, principal, input, requestId);
  InvalidInput.throwIfAny(await check(deps.db, policy, principal, input, deps.now()));
  const id = randomUUID();
  const { value, consistencyToken } = await deps.changes.run(async (c) => {
    const grant = grantView(await insertGrant(c.tx, {
      id, child: input.child, grantee: input.grantee, sections: input.sections, purpose: input.purposeOfUse, reason: input.reason,
      grantedBy: principal.userId, grantedAt: c.now, expiresAt: input.expiresAt,
    }), c.now);
    c.factChanged('grant', id);
    const summary = { grantId: id, grantee: grant.grantee, sections: grant.sections, purposeOfUse: grant.purposeOfUse, expiresAt: grant.expiresAt, reason: grant.reason };
    const alertId = c.alert({
      kind: 'grant', child: input.child, ref: id,
      payload: { ...summary, grantedBy: principal.userId, grantedByRole: principal.role, org: principal.orgCode },
      recipients: await alertRecipients(c.tx, input.child, true),
    });
    c.audit({
      kind: 'grant', actor: actorOf(principal), child: input.child, purpose: input.purposeOfUse, requestId,
      policyVersion: policy.version, details: { ...summary, alertId },
    });
    return grant;
  });
  return { ...value, consistencyToken: consistencyToken! };
}

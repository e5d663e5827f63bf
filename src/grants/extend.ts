/**
 * Extending a grant: a safeguarding lead of the child's area moves the end of a live grant later, with
 * a reason, never beyond the policy's grants.maxDays from now (the bound a new grant has). An unknown id
 * is 404; a child outside her area 403; a grant revoked or expired 409 (an ended grant is not revived:
 * grant again). Extending a grant to herself or to her own team is refused as granting it would be
 * (separation of duties: 403, audited). The new end, its trail event (kind grant-extend, with the
 * previous end and the reason) and its alert commit together; the next decision sees the new end.
 */
import type { Principal } from '../identity/principal.ts';
import { Conflict, InvalidInput, NotAllowed, NotFound } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { reasonError } from '../policy/reason.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { extendGrant as extendRow, grantForUpdate, grantWithArea } from '../store/tables/grants.ts';
import { checkSeparation, type GrantDeps } from './create.ts';
import { leadAreas } from './lead-area.ts';
import { DAY, latestGrantEnd } from './duration.ts';
import { grantView } from './view.ts';

/** The new end: `until`, or `days` added to the current end. */
export interface ExtendInput {
  until?: string;
  days?: number;
  reason: string;
}

export async function extendGrant(deps: GrantDeps, principal: Principal, id: string, input: ExtendInput, requestId: string) {
  const { policy } = deps;
  const found = await grantWithArea(deps.db, id);
  if (!found) throw new NotFound('no grant with this id');
  if (!(found.area && leadAreas(principal).includes(found.area))) throw new NotAllowed('you may extend only grants for children of your safeguarding area');
  await checkSeparation(deps, principal, { child: found.child, grantee: found.grantee, sections: found.sections, purposeOfUse: found.purpose }, requestId, 'grant-extend', { grantId: id });

  const { value, consistencyToken } = await deps.changes.run(async (c) => {
    // Locked and read again: it may have been revoked or extended since.
    const row = (await grantForUpdate(c.tx, id))!;
    const previous = new Date(row.expires_at);
    if (row.revoked_at !== null) throw new Conflict(`this grant was revoked at ${new Date(row.revoked_at).toISOString()}: grant again instead`);
    if (previous.getTime() <= c.now.getTime()) throw new Conflict(`this grant expired at ${previous.toISOString()}: grant again instead`);

    const field = input.until !== undefined ? 'body.until' : 'body.days';
    const errors = reasonError('body.reason', input.reason, policy.parameters.grants.minReasonLength);
    const end = input.until !== undefined ? new Date(input.until) : input.days !== undefined ? new Date(previous.getTime() + input.days * DAY) : undefined;
    const latest = latestGrantEnd(policy, c.now);
    if (!end || Number.isNaN(end.getTime())) errors.push({ field, message: 'give the new end (until) or the days to add (days)' });
    else if (end.getTime() <= previous.getTime()) errors.push({ field, message: `must move the end later than it is now (${previous.toISOString()})` });
    else if (end.getTime() > latest.getTime()) {
      errors.push({ field, message: `must end at most ${policy.parameters.grants.maxDays} days from now (${latest.toISOString()} at the latest)` });
    }
    InvalidInput.throwIfAny(errors);

    const grant = grantView(await extendRow(c.tx, id, end!), c.now);
    c.factChanged('grant', id);
    const summary = {
      grantId: id, grantee: grant.grantee, sections: grant.sections, purposeOfUse: grant.purposeOfUse,
      previousExpiresAt: previous.toISOString(), expiresAt: grant.expiresAt, reason: input.reason,
    };
    const alertId = c.alert({
      kind: 'grant-extend', child: grant.child, ref: id,
      payload: { ...summary, extendedBy: principal.userId, extendedByRole: principal.role, org: principal.orgCode },
      recipients: await alertRecipients(c.tx, grant.child, true),
    });
    c.audit({
      kind: 'grant-extend', actor: actorOf(principal), child: grant.child, purpose: grant.purposeOfUse, requestId,
      policyVersion: policy.version, details: { ...summary, alertId },
    });
    return grant;
  });
  return { ...value, consistencyToken: consistencyToken! };
}

/**
 * A safeguarding lead grants a named user or team access to named sections of one child of their
 * area, for one purpose, with a reason, until an expiry within the policy maximum. The grant, its
 * audit event and its alert commit together.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import type { FieldError } from '../http/problem.ts';
import { actorOf } from '../trail/actor.ts';
import { recordChange } from '../feeds/changes.ts';
import { ageInYears } from '../policy/decide.ts';
import { enqueueAlert } from '../alerts/outbox.ts';
import { alertRecipients } from '../alerts/recipients.ts';
import { reasonError, rejectIf } from './checks.ts';
import { childArea, leadAreas, notInAreaMessage } from './lead-area.ts';
import { granteeRoles } from './grantee.ts';
import { GRANT_COLUMNS, grantView, type GrantRow } from './view.ts';

export interface GrantInput {
  child: string;
  grantee: string;
  sections: string[];
  purposeOfUse: string;
  reason: string;
  expiresAt: string;
}

const DAY = 86_400_000;

/** Everything that can be wrong with the request, found before anything is written. */
async function check(services: Services, principal: Principal, input: GrantInput, now: Date): Promise<FieldError[]> {
  const policy = services.policy.current;
  const { maxDays, minReasonLength } = policy.parameters.grants;
  const errors = reasonError('body.reason', input.reason, minReasonLength);
  const expires = Date.parse(input.expiresAt);
  if (expires <= now.getTime()) errors.push({ field: 'body.expiresAt', message: 'must be in the future' });
  else if (expires > now.getTime() + maxDays * DAY) errors.push({ field: 'body.expiresAt', message: `must be at most ${maxDays} days from now` });

  const areas = leadAreas(principal);
  const child = await childArea(services.store, input.child);
  const inArea = child !== undefined && areas.includes(child.area);
  if (!inArea) errors.push({ field: 'body.child', message: notInAreaMessage(areas) });

  const roles = await granteeRoles(services.store, policy, input.grantee);
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

export async function createGrant(services: Services, principal: Principal, input: GrantInput, requestId: string) {
  const now = services.now();
  rejectIf(await check(services, principal, input, now));
  const id = randomUUID();
  return services.store.transaction(async (tx) => {
    const { rows } = await tx.query<GrantRow>(
      `insert into grants (id, child, grantee, sections, purpose, reason, granted_by, granted_at, expires_at)
       values ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9) returning ${GRANT_COLUMNS}`,
      [id, input.child, input.grantee, input.sections, input.purposeOfUse, input.reason, principal.userId, now.toISOString(), input.expiresAt],
    );
    const grant = grantView(rows[0], now);
    const consistencyToken = await recordChange(tx, 'grant', id);
    const summary = { grantId: id, grantee: grant.grantee, sections: grant.sections, purposeOfUse: grant.purposeOfUse, expiresAt: grant.expiresAt, reason: grant.reason };
    const alertId = await enqueueAlert(tx, {
      kind: 'grant', child: input.child, ref: id, now,
      payload: { ...summary, grantedBy: principal.userId, grantedByRole: principal.role, org: principal.orgCode },
      recipients: await alertRecipients(tx, input.child, true),
    });
    await services.audit.appendWithin(tx, [{
      kind: 'grant', actor: actorOf(principal), child: input.child, purpose: input.purposeOfUse, requestId,
      policyVersion: services.policy.current.version, details: { ...summary, alertId },
    }]);
    return { ...grant, consistencyToken };
  });
}

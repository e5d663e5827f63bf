/**
 * Our gathered facts, as Cedar requests: one call per section, with the same discrete inputs the
 * engine's casbin rules get (live basis kinds, age in years, restriction tags). Time is judged here, as in
 * src/policy/decide.ts, because Cedar has no way to range over a list of relationships.
 */
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ageInYears, type DecisionRequest } from '../../src/policy/decide.ts';
import { principalSubjects, type Principal } from '../../src/identity/principal.ts';
import type { Facts } from '../../src/policy/facts.ts';
import type { Parameters } from '../../src/policy/policy.ts';

const DAY = 86_400_000;
export const POLICY_SET_ID = 'needtoknow';
export const policyText = readFileSync(new URL('./policy.cedar', import.meta.url), 'utf8');

/** Parses the policy once into Cedar's thread-local cache (the fastest way Cedar offers to evaluate). */
export function prepareCedar(): void {
  const r = cedar.preparsePolicySet(POLICY_SET_ID, { staticPolicies: policyText });
  if (r.type !== 'success') throw new Error(`Cedar policy does not parse: ${JSON.stringify(r.errors)}`);
}

export function cedarVersion(): string {
  return cedar.getCedarVersion();
}

/** One Cedar authorisation call per requested section. */
export function cedarCalls(principal: Principal, req: DecisionRequest, facts: Facts, params: Parameters, now: Date): cedar.StatefulAuthorizationCall[] {
  const nowMs = now.getTime();
  const subjects = principalSubjects(principal);
  const child = facts.child;
  const age = child ? ageInYears(child.dateOfBirth, now) : -1;
  const relTypes = new Set<string>();
  for (const r of facts.relationships) {
    if (!subjects.has(r.subject) || r.validFrom.getTime() > nowMs) continue;
    const end = r.validTo ? r.validTo.getTime() + (params.relationshipGraceDays[r.type] ?? 0) * DAY : Infinity;
    if (nowMs < end) relTypes.add(r.type);
  }
  const grants = facts.grants.filter(
    (g) => subjects.has(g.grantee) && g.revokedAt === null && nowMs < g.expiresAt.getTime() && g.purpose === req.purpose,
  );
  const breakGlass = req.purpose === 'BTG' && req.breakGlassId && child
    ? facts.breakGlass.some((b) => b.id === req.breakGlassId && b.userId === principal.userId && b.child === child.nhsNumber &&
        b.startedAt.getTime() <= nowMs && nowMs < b.expiresAt.getTime())
    : false;
  const uid = { type: 'User', id: principal.userId };
  const user = { uid, attrs: { role: principal.role ?? '', activities: principal.activities }, parents: [] };
  return req.sections.map((section) => {
    const bases = [...relTypes];
    if (grants.some((g) => g.sections.includes(section))) bases.push('grant');
    if (breakGlass) bases.push('break-glass');
    const restrictions: string[] = [];
    if (child) {
      if (child.sealed && params.sectionsDeniedWhenSealed.includes(section)) restrictions.push('sealed');
      for (const label of child.labels[section] ?? []) restrictions.push(`label:${label}`);
      if (child.consentWithheld.includes(section)) restrictions.push('consent-withheld');
      if (child.restricted && section === 'demographics') restrictions.push('restricted');
    }
    const resource = { type: 'Section', id: `${child?.nhsNumber ?? 'unknown'}/${section}` };
    return {
      principal: uid,
      action: { type: 'Action', id: req.action },
      resource,
      context: { purpose: req.purpose, age, bases, restrictions },
      preparsedPolicySetId: POLICY_SET_ID,
      entities: [user, { uid: resource, attrs: { section }, parents: [] }],
    };
  });
}

/** 'permit' | 'deny' for one call; throws when Cedar reports an evaluation failure. */
export function cedarDecide(call: cedar.StatefulAuthorizationCall): 'permit' | 'deny' {
  const a = cedar.statefulIsAuthorized(call);
  if (a.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(a.errors)}`);
  if (a.response.diagnostics.errors.length) throw new Error(`Cedar policy errors: ${JSON.stringify(a.response.diagnostics.errors)}`);
  return a.response.decision === 'allow' ? 'permit' : 'deny';
}

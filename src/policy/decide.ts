/**
 * The decision: a pure function of (principal, request, facts, policy, now). No I/O.
 *
 * For each section: role limits, then purpose, then the child (unknown, archived), then every basis
 * that could permit (relationships valid now, grants, break-glass) is put to the policy; then
 * restrictions (sealed, labels, withheld consent, restricted demographics) override permits unless
 * the policy grants their override. Default deny.
 * Callers see only coarse reasons; `precise` (rule and facts) goes to the audit trail.
 */
import type { Principal } from '../identity/principal.ts';
import { principalSubjects } from '../identity/principal.ts';
import type { Facts, RelationshipFact } from './facts.ts';
import type { Policy } from './policy.ts';
import type { CoarseReason } from './vocabulary.ts';

export interface DecisionRequest {
  sections: string[];
  action: string;
  purpose: string;
  breakGlassId?: string;
}

export type Basis =
  | { kind: 'relationship'; type: string; via: string; until?: string; relationshipId: string }
  | { kind: 'grant'; grantId: string; until: string }
  | { kind: 'break-glass'; breakGlassId: string; until: string }
  | { kind: 'override'; restriction: string };

export interface PreciseReason {
  code: string;
  detail?: Record<string, unknown>;
}

export interface SectionDecision {
  section: string;
  decision: 'permit' | 'deny';
  basis: Basis[];
  obligations: string[];
  reasons: CoarseReason[];
  precise: PreciseReason;
  breakGlass: boolean;
}

const DAY = 86_400_000;

/** Whole years from date of birth (YYYY-MM-DD) to now, by the UTC calendar. */
export function ageInYears(dateOfBirth: string, now: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

/** When a relationship stops counting: its end, plus the policy's grace for its type (e.g. referrals). */
function effectiveEnd(rel: RelationshipFact, policy: Policy): Date | null {
  if (!rel.validTo) return null;
  const grace = policy.parameters.relationshipGraceDays[rel.type] ?? 0;
  return new Date(rel.validTo.getTime() + grace * DAY);
}

function deny(section: string, reason: CoarseReason, precise: PreciseReason): SectionDecision {
  return { section, decision: 'deny', basis: [], obligations: [], reasons: [reason], precise, breakGlass: false };
}

/** Restrictions that apply to this section of this child, as override tags. */
function restrictionsOf(facts: Facts, section: string, policy: Policy): string[] {
  const child = facts.child!;
  const tags: string[] = [];
  if (child.sealed && policy.parameters.sectionsDeniedWhenSealed.includes(section)) tags.push('sealed');
  for (const label of child.labels[section] ?? []) tags.push(`label:${label}`);
  if (child.consentWithheld.includes(section)) tags.push('consent-withheld');
  if (child.restricted && section === 'demographics') tags.push('restricted');
  return tags;
}

export function decide(principal: Principal, req: DecisionRequest, facts: Facts, policy: Policy, now: Date): SectionDecision[] {
  const role = principal.role ?? '';
  const subjects = principalSubjects(principal);
  const nowMs = now.getTime();
  const child = facts.child;
  const age = child ? ageInYears(child.dateOfBirth, now) : -1;

  // The bases valid now, independent of section.
  const relationships = facts.relationships.filter((r) => {
    if (!subjects.has(r.subject) || r.validFrom.getTime() > nowMs) return false;
    const end = effectiveEnd(r, policy);
    return end === null || nowMs < end.getTime();
  });
  const grants = facts.grants.filter(
    (g) => subjects.has(g.grantee) && g.revokedAt === null && nowMs < g.expiresAt.getTime() && g.purpose === req.purpose,
  );
  const breakGlass =
    req.purpose === 'BTG' && req.breakGlassId
      ? facts.breakGlass.find(
          (b) => b.id === req.breakGlassId && b.userId === principal.userId && child && b.child === child.nhsNumber &&
            b.startedAt.getTime() <= nowMs && nowMs < b.expiresAt.getTime(),
        )
      : undefined;

  return req.sections.map((section): SectionDecision => {
    if (!policy.roleMaySee(role, section)) return deny(section, 'ROLE_NOT_PERMITTED', { code: 'ROLE_LIMIT', detail: { role } });
    if (!policy.purposeOpens(role, section, req.purpose)) {
      return deny(section, 'PURPOSE_NOT_PERMITTED', { code: 'PURPOSE_NOT_OPEN', detail: { role, purpose: req.purpose } });
    }
    if (req.purpose === 'BTG' && !breakGlass) {
      return deny(section, 'NOT_PERMITTED', { code: 'BREAK_GLASS_NOT_LIVE', detail: { breakGlassId: req.breakGlassId } });
    }
    // From here on every deny looks the same to the caller, whatever the child's state.
    if (!child) return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', { code: 'UNKNOWN_CHILD' });
    if (age >= policy.parameters.archiveAfterAge || age < 0) {
      return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', { code: 'ARCHIVED', detail: { age } });
    }

    const basis: Basis[] = [];
    for (const r of relationships) {
      if (policy.allows(role, section, r.type, req.purpose, age)) {
        const end = effectiveEnd(r, policy);
        basis.push({ kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.id, ...(end ? { until: end.toISOString() } : {}) });
      }
    }
    for (const g of grants) {
      if (g.sections.includes(section) && policy.allows(role, section, 'grant', req.purpose, age)) {
        basis.push({ kind: 'grant', grantId: g.id, until: g.expiresAt.toISOString() });
      }
    }
    if (breakGlass && policy.allows(role, section, 'break-glass', req.purpose, age)) {
      basis.push({ kind: 'break-glass', breakGlassId: breakGlass.id, until: breakGlass.expiresAt.toISOString() });
    }
    if (!basis.length) {
      return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', {
        code: 'NO_RELATIONSHIP',
        detail: { age, candidates: relationships.map((r) => r.type), grants: grants.length },
      });
    }

    const obligations: string[] = [];
    for (const tag of restrictionsOf(facts, section, policy)) {
      const needsActivity = policy.parameters.overrideNeedsActivity.includes(tag);
      const hasActivity = principal.activities.includes(policy.roles.overrideActivity);
      if ((!needsActivity || hasActivity) && policy.allows(role, section, `override:${tag}`, req.purpose, age)) {
        basis.push({ kind: 'override', restriction: tag });
      } else if (tag === 'restricted') {
        for (const field of policy.parameters.restrictedDemographicsRedact) obligations.push(`redact:${field}`);
      } else {
        return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', {
          code: 'RESTRICTED',
          detail: { restriction: tag, overridable: policy.allows(role, section, `override:${tag}`, req.purpose, age), needsActivity, hasActivity },
        });
      }
    }
    const underBreakGlass = basis.some((b) => b.kind === 'break-glass');
    if (underBreakGlass) obligations.push('break-glass-banner');
    return {
      section,
      decision: 'permit',
      basis,
      obligations,
      reasons: [],
      precise: { code: 'PERMIT', detail: { age, bases: basis.length } },
      breakGlass: underBreakGlass,
    };
  });
}

/**
 * The decision: a pure function of (principal, request, facts, policy, now). No I/O.
 *
 * For each section: role limits, then purpose, then the child (unknown, archived), then every basis
 * that could permit (relationships valid now, grants, break-glass) is put to the policy; then
 * restrictions (sealed, labels, withheld consent, restricted demographics) override permits unless
 * the policy grants their override. Default deny.
 * Callers see only coarse reasons; `precise` (rule and facts) goes to the audit trail.
 *
 * Every decision carries its `trace`: each basis put to the policy with the casbin rule that answered,
 * and each restriction with its outcome. Explain, what-if, reach, exposure, the golden cases and the
 * Cedar comparison all read decisions and traces from here; nothing else interprets the model.
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

/** One basis put to the policy: the casbin rule that allowed it (empty when none did). */
export interface RuleCheck {
  /** Relationship type, `grant` or `break-glass`. */
  basis: string;
  /** The subject holding the relationship, or the grant's or break-glass's id. */
  via: string;
  allowed: boolean;
  rule: string[];
}

export interface RestrictionCheck {
  restriction: string;
  /** Overridden by a rule (and the activity it needs): the section stays permitted. */
  overridden: boolean;
  /** Not overridden, but only redacts fields (restricted demographics). */
  redacts: boolean;
  needsActivity: boolean;
  hasActivity: boolean;
  rule: string[];
}

/** How a section's decision was reached, step by step, in the order decide() takes them. */
export interface DecisionTrace {
  role: string;
  purpose: string;
  /** Age in whole years, or null when the child is unknown. */
  age: number | null;
  roleMaySee: boolean;
  /** Some rule opens this section to this role for this purpose (undefined when not reached). */
  purposeOpens?: boolean;
  childKnown: boolean;
  checks: RuleCheck[];
  restrictions: RestrictionCheck[];
}

export interface SectionDecision {
  section: string;
  decision: 'permit' | 'deny';
  basis: Basis[];
  obligations: string[];
  reasons: CoarseReason[];
  precise: PreciseReason;
  breakGlass: boolean;
  trace: DecisionTrace;
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

function deny(section: string, reason: CoarseReason, precise: PreciseReason, trace: DecisionTrace): SectionDecision {
  return { section, decision: 'deny', basis: [], obligations: [], reasons: [reason], precise, breakGlass: false, trace };
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
  // The declaration is matched by the NHS number asked about, known or not: a declaration on an unknown
  // child is live like any other, so what follows cannot tell unknown, sealed and plain children apart.
  const breakGlass =
    req.purpose === 'BTG' && req.breakGlassId
      ? facts.breakGlass.find(
          (b) => b.id === req.breakGlassId && b.userId === principal.userId &&
            b.startedAt.getTime() <= nowMs && nowMs < b.expiresAt.getTime(),
        )
      : undefined;

  return req.sections.map((section): SectionDecision => {
    const trace: DecisionTrace = {
      role, purpose: req.purpose, age: child ? age : null, roleMaySee: policy.roleMaySee(role, section), childKnown: Boolean(child), checks: [], restrictions: [],
    };
    if (!trace.roleMaySee) return deny(section, 'ROLE_NOT_PERMITTED', { code: 'ROLE_LIMIT', detail: { role } }, trace);
    trace.purposeOpens = policy.purposeOpens(role, section, req.purpose);
    if (!trace.purposeOpens) {
      return deny(section, 'PURPOSE_NOT_PERMITTED', { code: 'PURPOSE_NOT_OPEN', detail: { role, purpose: req.purpose } }, trace);
    }
    if (req.purpose === 'BTG' && !breakGlass) {
      return deny(section, 'NOT_PERMITTED', { code: 'BREAK_GLASS_NOT_LIVE', detail: { breakGlassId: req.breakGlassId } }, trace);
    }
    // From here on every deny looks the same to the caller, whatever the child's state.
    if (!child) return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', { code: 'UNKNOWN_CHILD' }, trace);
    if (age >= policy.parameters.archiveAfterAge || age < 0) {
      return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', { code: 'ARCHIVED', detail: { age } }, trace);
    }

    const basis: Basis[] = [];
    for (const r of relationships) {
      const { allowed, rule } = policy.allowsEx(role, section, r.type, req.purpose, age);
      trace.checks.push({ basis: r.type, via: r.subject, allowed, rule });
      if (allowed) {
        const end = effectiveEnd(r, policy);
        basis.push({ kind: 'relationship', type: r.type, via: r.subject, relationshipId: r.id, ...(end ? { until: end.toISOString() } : {}) });
      }
    }
    for (const g of grants) {
      if (!g.sections.includes(section)) continue;
      const { allowed, rule } = policy.allowsEx(role, section, 'grant', req.purpose, age);
      trace.checks.push({ basis: 'grant', via: g.id, allowed, rule });
      if (allowed) basis.push({ kind: 'grant', grantId: g.id, until: g.expiresAt.toISOString() });
    }
    if (breakGlass) {
      const { allowed, rule } = policy.allowsEx(role, section, 'break-glass', req.purpose, age);
      trace.checks.push({ basis: 'break-glass', via: breakGlass.id, allowed, rule });
      if (allowed) basis.push({ kind: 'break-glass', breakGlassId: breakGlass.id, until: breakGlass.expiresAt.toISOString() });
    }
    if (!basis.length) {
      return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', {
        code: 'NO_RELATIONSHIP',
        detail: { age, candidates: relationships.map((r) => r.type), grants: grants.length },
      }, trace);
    }

    const obligations: string[] = [];
    for (const tag of restrictionsOf(facts, section, policy)) {
      const needsActivity = policy.parameters.overrideNeedsActivity.includes(tag);
      const hasActivity = principal.activities.includes(policy.roles.overrideActivity);
      const { allowed, rule } = policy.allowsEx(role, section, `override:${tag}`, req.purpose, age);
      const overridden = allowed && (!needsActivity || hasActivity);
      const redacts = !overridden && tag === 'restricted';
      trace.restrictions.push({ restriction: tag, overridden, redacts, needsActivity, hasActivity, rule });
      if (overridden) {
        basis.push({ kind: 'override', restriction: tag });
      } else if (redacts) {
        for (const field of policy.parameters.restrictedDemographicsRedact) obligations.push(`redact:${field}`);
      } else {
        return deny(section, 'NO_LEGITIMATE_RELATIONSHIP', {
          code: 'RESTRICTED',
          detail: { restriction: tag, overridable: allowed, needsActivity, hasActivity },
        }, trace);
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
      trace,
    };
  });
}

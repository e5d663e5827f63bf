/**
 * Authorise-before-read, one use case: gather facts (one round trip), map the role, decide (pure),
 * append one audit event per section and wait for its commit, then answer. If the audit append
 * fails the caller gets 503 and nothing was permitted.
 */
import { trace } from '@opentelemetry/api';
import type { Services } from '../services.ts';
import type { Cis2Claims } from '../identity/claims.ts';
import { candidateSubjects, resolvePrincipal, type Principal } from '../identity/principal.ts';
import { decide, type SectionDecision } from '../policy/decide.ts';
import type { Policy } from '../policy/policy.ts';
import type { Facts } from '../policy/facts.ts';
import { actorOf } from '../audit/actor.ts';
import type { AuditEventInput } from '../audit/event.ts';
import { forbidden, invalidField } from '../http/problem.ts';
import { seqOf } from '../change/audited-change.ts';
import type { AuthoriseRequest } from './request.ts';

const tracer = trace.getTracer('needtoknow');

export interface Decided {
  principal: Principal;
  policy: Policy;
  decisions: SectionDecision[];
  facts: Facts;
  now: Date;
}

/** Gathers facts and decides, without auditing (explain and authorise both build on it). */
export async function decideFor(services: Services, claims: Cis2Claims, req: AuthoriseRequest, capability?: string): Promise<Decided> {
  const policy = services.policy.current;
  const now = services.now();
  const { subjects, workgroups, orgCode } = candidateSubjects(claims);
  const gathered = await services.facts.gather({ child: req.child, userId: claims.sub, subjects, workgroups, orgCode, now, lookbackDays: policy.lookbackDays });
  if (req.atLeast && seqOf(req.atLeast) > gathered.factSeq) {
    throw invalidField('body.atLeast', 'this consistency token was not issued by this service');
  }
  const principal = resolvePrincipal(claims, policy.roles, gathered.teams, gathered.orgKind);
  if (capability && !policy.capability(capability, principal.role)) throw forbidden();
  const decisions = decide(principal, { sections: req.sections, action: req.action, purpose: req.purposeOfUse, breakGlassId: req.breakGlassId }, gathered.facts, policy, now);
  return { principal, policy, decisions, facts: gathered.facts, now };
}

export function auditEventsFor(d: Decided, req: AuthoriseRequest, requestId: string, kind = 'decision', extra: Record<string, unknown> = {}): AuditEventInput[] {
  return d.decisions.map((s) => ({
    kind,
    actor: actorOf(d.principal),
    child: req.child,
    section: s.section,
    action: req.action,
    purpose: req.purposeOfUse,
    decision: s.decision,
    breakGlass: s.breakGlass || req.purposeOfUse === 'BTG',
    requestId,
    policyVersion: d.policy.version,
    details: { ...extra, basis: s.basis, obligations: s.obligations, reason: s.precise, ...(req.breakGlassId ? { breakGlassId: req.breakGlassId } : {}) },
  }));
}

export function responseFor(d: Decided, auditIds: string[]) {
  return {
    decisions: d.decisions.map((s, i) =>
      s.decision === 'permit'
        ? { section: s.section, decision: s.decision, auditId: auditIds[i], basis: s.basis.map(publicBasis), obligations: s.obligations }
        : { section: s.section, decision: s.decision, auditId: auditIds[i], reasons: s.reasons },
    ),
    policyVersion: d.policy.version,
  };
}

/** The basis as callers see it: the relationship's internal id stays on the audit trail. */
function publicBasis(b: SectionDecision['basis'][number]) {
  if (b.kind !== 'relationship') return b;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { relationshipId, ...rest } = b;
  return rest;
}

export async function authoriseMany(services: Services, claims: Cis2Claims, requests: AuthoriseRequest[], requestId: string) {
  return tracer.startActiveSpan('authorise', async (span) => {
    const started = process.hrtime.bigint();
    try {
      const decided = await Promise.all(requests.map((r) => decideFor(services, claims, r, 'authorise')));
      const events = decided.flatMap((d, i) => auditEventsFor(d, requests[i], requestId));
      const appended = await services.audit.append(events);
      services.metrics.auditEvents.inc(appended.length);
      let k = 0;
      const results = decided.map((d) => responseFor(d, d.decisions.map(() => appended[k++].id)));
      for (const d of decided) {
        for (const s of d.decisions) services.metrics.decisions.inc({ decision: s.decision, reason: s.precise.code });
      }
      span.setAttribute('ntk.decisions', events.length);
      return results;
    } finally {
      services.metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      span.end();
    }
  });
}

/**
 * Explain and what-if, for IG officers: the decision a named user (as fed: organisation and teams,
 * with the CIS2 role they would select) would get, with every rule that permitted or denied and the
 * facts it matched. Audited as kind 'explain' (never as the named user's own read).
 */
import type { Principal } from '../identity/principal.ts';
import { principalSubjects } from '../identity/principal.ts';
import { actorOf } from '../trail/actor.ts';
import type { AuditEventInput } from '../trail/event.ts';
import type { AppendedEvent } from '../trail/log.ts';
import { NotFound } from '../errors.ts';
import { z } from '../http/zod.ts';
import { auditEventsFor, decideFor, type DecideDeps } from './authorise.ts';

export const explainResponse = z
  .object({
    user: z.string(),
    role: z.string().nullable(),
    mayAuthorise: z.boolean(),
    policyVersion: z.string(),
    decisions: z.array(z.object({
      section: z.string(),
      decision: z.enum(['permit', 'deny']),
      reason: z.object({ code: z.string(), detail: z.record(z.string(), z.unknown()).optional() }),
      basis: z.array(z.record(z.string(), z.unknown())),
      obligations: z.array(z.string()),
      rules: z.array(z.object({ basis: z.string(), via: z.string().optional(), allowed: z.boolean(), rule: z.array(z.string()) })),
    })),
    facts: z.record(z.string(), z.unknown()),
    auditIds: z.array(z.string()),
  })
  .openapi('ExplainResponse');

interface ExplainInput {
  user: string;
  roleCode: string;
  activities?: string[];
  child: string;
  sections: string[];
  purposeOfUse: string;
  breakGlassId?: string;
}

/** What explain needs: a decision's dependencies, the trail, and the fed user's organisation and teams. */
export interface ExplainDeps extends DecideDeps {
  audit: { append(events: AuditEventInput[]): Promise<AppendedEvent[]> };
  staff: { orgAndTeams(userId: string): Promise<{ orgCode: string; teams: string[] } | undefined> };
}

export async function explain(deps: ExplainDeps, officer: Principal, input: ExplainInput, requestId: string) {
  const user = await deps.staff.orgAndTeams(input.user);
  if (!user) throw new NotFound('no user with this id has been fed');
  const claims = {
    sub: input.user,
    selected_roleid: 'what-if',
    nhsid_nrbac_roles: [{ person_roleid: 'what-if', org_code: user.orgCode, role_code: input.roleCode, activity_codes: input.activities ?? [], workgroups_codes: user.teams }],
  };
  const req = { child: input.child, sections: input.sections as never, action: 'read' as const, purposeOfUse: input.purposeOfUse as never, breakGlassId: input.breakGlassId };
  const d = await decideFor(deps, claims, req);
  const subjects = principalSubjects(d.principal);
  // Every rule that answered, read from the decision's own trace: the bases put to the policy, then
  // the restrictions and whether a rule overrode them.
  const decisions = d.decisions.map((s) => ({
    section: s.section,
    decision: s.decision,
    reason: s.precise,
    basis: s.basis as unknown as Record<string, unknown>[],
    obligations: s.obligations,
    rules: [
      ...s.trace.checks.map((c) => ({ basis: c.basis, via: c.via, allowed: c.allowed, rule: c.rule })),
      ...s.trace.restrictions.map((r) => ({ basis: `override:${r.restriction}`, allowed: r.overridden, rule: r.rule })),
    ],
  }));
  const events = auditEventsFor(d, req, requestId, 'explain', { subjectUser: input.user, subjectRoleCode: input.roleCode }).map((e) => ({
    ...e,
    actor: actorOf(officer),
  }));
  const appended = await deps.audit.append(events);
  const age = d.decisions[0]?.trace.age ?? null;
  return {
    user: input.user,
    role: d.principal.role ?? null,
    mayAuthorise: d.policy.capability('authorise', d.principal.role),
    policyVersion: d.policy.version,
    decisions,
    facts: {
      childKnown: Boolean(d.facts.child),
      age,
      sealed: d.facts.child?.sealed ?? null,
      restricted: d.facts.child?.restricted ?? null,
      labels: d.facts.child?.labels ?? null,
      consentWithheld: d.facts.child?.consentWithheld ?? null,
      teams: d.principal.teams.map((t) => t.id),
      relationships: d.facts.relationships.filter((r) => subjects.has(r.subject)).map((r) => ({ type: r.type, via: r.subject, validFrom: r.validFrom, validTo: r.validTo })),
      grants: d.facts.grants.length,
      breakGlass: d.facts.breakGlass.length,
    },
    auditIds: appended.map((a) => a.id),
  };
}

/**
 * Explain and what-if, for IG officers: the decision a named user (as fed: organisation and teams,
 * with the CIS2 role they would select) would get, with every rule that permitted or denied and the
 * facts it matched. Audited as kind 'explain' (never as the named user's own read).
 */
import type { Services } from '../services.ts';
import type { Principal } from '../identity/principal.ts';
import { principalSubjects } from '../identity/principal.ts';
import { ageInYears } from '../policy/decide.ts';
import { actorOf } from '../trail/actor.ts';
import { notFound } from '../http/problem.ts';
import { z } from '../http/zod.ts';
import { auditEventsFor, decideFor } from './authorise.ts';

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

export async function explain(services: Services, officer: Principal, input: ExplainInput, requestId: string) {
  const { rows } = await services.store.query<{ org_code: string; teams: string[] }>(
    `select org_code, coalesce((select array_agg(team_id) from user_teams where user_id = u.id), '{}') as teams from users u where id = $1`,
    [input.user],
  );
  if (!rows[0]) throw notFound('no user with this id has been fed');
  const claims = {
    sub: input.user,
    selected_roleid: 'what-if',
    nhsid_nrbac_roles: [{ person_roleid: 'what-if', org_code: rows[0].org_code, role_code: input.roleCode, activity_codes: input.activities ?? [], workgroups_codes: rows[0].teams }],
  };
  const req = { child: input.child, sections: input.sections as never, action: 'read' as const, purposeOfUse: input.purposeOfUse as never, breakGlassId: input.breakGlassId };
  const d = await decideFor(services, claims, req);
  const role = d.principal.role ?? '';
  const age = d.facts.child ? ageInYears(d.facts.child.dateOfBirth, d.now) : -1;
  const subjects = principalSubjects(d.principal);
  const candidates = [
    ...d.facts.relationships.filter((r) => subjects.has(r.subject)).map((r) => ({ basis: r.type, via: r.subject })),
    ...d.facts.grants.filter((g) => subjects.has(g.grantee)).map((g) => ({ basis: 'grant', via: g.id })),
    ...d.facts.breakGlass.map((b) => ({ basis: 'break-glass', via: b.id })),
  ];
  const decisions = d.decisions.map((s) => ({
    section: s.section,
    decision: s.decision,
    reason: s.precise,
    basis: s.basis as unknown as Record<string, unknown>[],
    obligations: s.obligations,
    rules: candidates.map((c) => ({ ...c, ...d.policy.explain(role, s.section, c.basis, input.purposeOfUse, age) })),
  }));
  const events = auditEventsFor(d, req, requestId, 'explain', { subjectUser: input.user, subjectRoleCode: input.roleCode }).map((e) => ({
    ...e,
    actor: actorOf(officer),
  }));
  const appended = await services.audit.append(events);
  return {
    user: input.user,
    role: d.principal.role ?? null,
    mayAuthorise: d.policy.capability('authorise', d.principal.role),
    policyVersion: d.policy.version,
    decisions,
    facts: {
      childKnown: Boolean(d.facts.child),
      age: d.facts.child ? age : null,
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

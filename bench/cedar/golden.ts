/**
 * The Cedar policy against the golden cases (policies/tests/*.json): each case's facts are built in memory
 * the way src/policy/golden.ts seeds them, decided by our engine and by Cedar, and compared per section.
 * Our engine must also give each case's expected decision, which shows the in-memory facts are faithful.
 */
import { decide } from '../../src/policy/decide.ts';
import { readGoldenFiles, type GoldenCase } from '../../src/policy/golden.ts';
import type { Policy } from '../../src/policy/policy.ts';
import type { Principal } from '../../src/identity/principal.ts';
import type { Facts } from '../../src/policy/facts.ts';
import { cedarCalls, cedarDecide } from './translate.ts';

const CHILD = '9990000018';

export interface GoldenAgreement {
  cases: number;
  sections: number;
  /** Sections where Cedar's permit/deny equals our engine's. */
  agree: number;
  /** Sections where our engine's decision equals the case's expectation (sections without one are not counted). */
  engineMatchesExpected: number;
  /** Sections a case asks about without saying what to expect: counted apart, never as agreements. */
  unexpected: number;
  /** Every section where Cedar and our engine differ, or our engine differs from the expectation. */
  disagreements: string[];
}

function factsOf(c: GoldenCase, childDefaults: Record<string, unknown>, now: Date): Facts {
  const child = c.child === null ? undefined : { ...childDefaults, ...(c.child ?? {}) };
  const user = c.user ?? 'golden-user';
  const day = 86_400_000;
  return {
    child: child && {
      nhsNumber: CHILD,
      dateOfBirth: String(child.dateOfBirth),
      area: 'oxfordshire',
      sealed: Boolean(child.sealed),
      restricted: Boolean(child.restricted),
      labels: (child.labels ?? {}) as Record<string, string[]>,
      consentWithheld: (child.consentWithheld ?? []) as string[],
    },
    relationships: (c.relationships ?? []).map(([subject, type, from, to], i) => ({
      id: `r${i}`, subject, type, validFrom: new Date(from), validTo: to ? new Date(to) : null,
    })),
    grants: (c.grants ?? []).map((g, i) => ({
      id: `g${i}`, grantee: g.grantee, sections: g.sections, purpose: g.purpose, expiresAt: new Date(g.expiresAt),
      revokedAt: g.revokedAt ? new Date(g.revokedAt) : null,
    })).filter((g) => g.revokedAt === null && g.expiresAt.getTime() > now.getTime() - 90 * day),
    breakGlass: (c.breakGlass ?? []).filter((b) => (b.user ?? user) === user).map((b) => ({
      id: b.id, userId: b.user ?? user, child: CHILD, startedAt: new Date(b.startedAt), expiresAt: new Date(b.expiresAt),
    })),
  };
}

export async function goldenAgreement(policy: Policy): Promise<GoldenAgreement> {
  const out: GoldenAgreement = { cases: 0, sections: 0, agree: 0, engineMatchesExpected: 0, unexpected: 0, disagreements: [] };
  for (const { data } of await readGoldenFiles()) {
    for (const raw of data.cases) {
      const c = { ...data.defaults, ...raw } as GoldenCase;
      const now = new Date(c.now ?? '2026-06-15T12:00:00Z');
      const user = c.user ?? 'golden-user';
      const teams = (c.teams ?? []).map((t) => ({ id: t.id, kind: t.kind, area: 'oxfordshire', schools: t.schools ?? [] }));
      const principal: Principal = {
        userId: user, machine: false, role: c.role, orgCode: c.org ?? 'RNU', activities: c.activities ?? [],
        workgroups: teams.map((t) => t.id), teams,
      };
      const facts = factsOf(c, (data.defaults.child ?? {}) as Record<string, unknown>, now);
      const req = { sections: c.sections, action: 'read', purpose: c.purpose, breakGlassId: c.breakGlassId };
      const ours = decide(principal, req, facts, policy, now);
      const theirs = cedarCalls(principal, req, facts, policy.parameters, now).map(cedarDecide);
      out.cases++;
      ours.forEach((d, i) => {
        out.sections++;
        if (d.decision === theirs[i]) out.agree++;
        else out.disagreements.push(`${c.name} / ${d.section}: engine ${d.decision}, Cedar ${theirs[i]}`);
        const want = c.expect[d.section];
        if (want === undefined) out.unexpected++;
        else if (want.split(':')[0] === d.decision) out.engineMatchesExpected++;
        else out.disagreements.push(`${c.name} / ${d.section}: expected ${want}, engine ${d.decision}`);
      });
    }
  }
  return out;
}

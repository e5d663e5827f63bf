/**
 * Who can read a child now, section by section: the staff behind every live relationship, grant and
 * break-glass of that child (team members, staff of the registered practice, the nursing team that
 * covers the school), as fed and as last seen in a token, each put through decide() as authorise would.
 */
import type { Policy } from '../policy/policy.ts';
import type { Principal } from '../identity/principal.ts';
import { decide } from '../policy/decide.ts';
import { PURPOSES, SECTIONS } from '../policy/vocabulary.ts';
import type { Facts } from '../policy/facts.ts';
import type { StaffTable } from '../store/tables/staff.ts';
import { fedPrincipal, seenPrincipal } from './staff-principals.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from '../ig/audit-query.ts';

export interface ExposureDeps {
  policy: { readonly current: Policy };
  staff: Pick<StaffTable, 'behindChild'>;
  /** Every live fact of one child, whoever holds it. */
  childFacts(nhsNumber: string, since: Date): Promise<Facts>;
  now(): Date;
  audit: Pick<TrailAppender, 'appendOne'>;
}

interface Reader { user: string; name: string; role: string; basis: string[] }

/** The exposure report; the asking is on the trail (an audit-query event about the child) before it is returned. */
export async function exposureOf(deps: ExposureDeps, who: Asker, nhsNumber: string) {
  const report = await readersOf(deps, nhsNumber);
  await recordAuditQuery(deps.audit, who, 'exposure', {}, report.totalUsers, nhsNumber);
  return report;
}

async function readersOf(deps: ExposureDeps, nhsNumber: string) {
  const policy = deps.policy.current;
  const now = deps.now();
  const since = new Date(now.getTime() - policy.lookbackDays * 86_400_000);
  const [facts, staff] = await Promise.all([deps.childFacts(nhsNumber, since), deps.staff.behindChild(nhsNumber, now, since)]);
  const sections = Object.fromEntries(SECTIONS.map((s) => [s, { users: [] as Reader[], byBasis: {} as Record<string, number> }]));
  if (!facts.child) return { child: nhsNumber, known: false, asOf: now.toISOString(), policyVersion: policy.version, totalUsers: 0, sections };
  const principals: Principal[] = [
    ...staff.fed.map((s) => fedPrincipal(s, policy.roles)),
    ...staff.seen.map((s) => seenPrincipal(s, policy.roles)),
  ].filter((p): p is Principal => Boolean(p));
  const readers = new Set<string>();
  for (const principal of principals) {
    // Any purpose counts; break-glass only for its own holder.
    for (const purpose of PURPOSES) {
      const own = purpose === 'BTG' ? facts.breakGlass.filter((b) => b.userId === principal.userId) : [undefined];
      for (const bg of own) {
        for (const d of decide(principal, { sections: [...SECTIONS], action: 'read', purpose, breakGlassId: bg?.id }, facts, policy, now)) {
          if (d.decision !== 'permit') continue;
          const entry = sections[d.section];
          const basis = [...new Set(d.basis.map((b) => (b.kind === 'relationship' ? b.type : b.kind)))];
          const existing = entry.users.find((u) => u.user === principal.userId);
          if (existing) existing.basis = [...new Set([...existing.basis, ...basis])];
          else entry.users.push({ user: principal.userId, name: principal.name ?? principal.userId, role: principal.role!, basis });
          readers.add(principal.userId);
        }
      }
    }
  }
  for (const s of Object.values(sections)) {
    for (const u of s.users) for (const b of u.basis) s.byBasis[b] = (s.byBasis[b] ?? 0) + 1;
    s.users.sort((a, b) => a.user.localeCompare(b.user));
  }
  return { child: nhsNumber, known: true, asOf: now.toISOString(), policyVersion: policy.version, totalUsers: readers.size, sections };
}

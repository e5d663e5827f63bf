/**
 * Who can read a child now, section by section: the users behind every live relationship, grant and
 * break-glass of that child (team members, staff of the registered practice, the nursing team that
 * covers the school), each put through the same decision function as authorise.
 */
import type { Services } from '../services.ts';
import type { TeamInfo } from '../identity/principal.ts';
import type { Principal } from '../identity/principal.ts';
import { decide } from '../policy/decide.ts';
import { PURPOSES, SECTIONS } from '../policy/vocabulary.ts';
import { gatherChildFacts } from '../facts/child.ts';
import { inferRole } from './infer-role.ts';

interface Candidate {
  id: string;
  name: string;
  org_code: string;
  org_kind: string | null;
  teams: TeamInfo[];
}

const CANDIDATES = `
with subj as (
  select subject from relationships where child = $1 and valid_from <= $2::timestamptz and (valid_to is null or valid_to > $3::timestamptz)
  union select grantee from grants where child = $1 and revoked_at is null and expires_at > $2::timestamptz
  union select 'user:' || user_id from break_glass where child = $1 and expires_at > $2::timestamptz and started_at <= $2::timestamptz
), cand as (
  select substr(subject, 6) as user_id from subj where subject like 'user:%'
  union select ut.user_id from user_teams ut join subj on subj.subject = 'team:' || ut.team_id
  union select ut.user_id from subj join teams t on subj.subject like 'school:%' and substr(subj.subject, 8) = any(t.schools)
        join user_teams ut on ut.team_id = t.id
  union select u.id from subj join users u on subj.subject = 'org:' || u.org_code
)
select u.id, u.name, u.org_code, (select kind from orgs where code = u.org_code) as org_kind,
       coalesce((select json_agg(json_build_object('id', t.id, 'kind', t.kind, 'area', t.area, 'schools', t.schools))
                   from user_teams ut join teams t on t.id = ut.team_id where ut.user_id = u.id), '[]') as teams
  from cand join users u on u.id = cand.user_id`;

export async function exposureOf(services: Services, nhsNumber: string) {
  const policy = services.policy.current;
  const now = services.now();
  const since = new Date(now.getTime() - policy.lookbackDays * 86_400_000);
  const [facts, candidates] = await Promise.all([
    gatherChildFacts(services.store, nhsNumber, since),
    services.store.query<Candidate>(CANDIDATES, [nhsNumber, now.toISOString(), since.toISOString()]),
  ]);
  const sections = Object.fromEntries(SECTIONS.map((s) => [s, { users: [] as { user: string; name: string; role: string; basis: string[] }[], byBasis: {} as Record<string, number> }]));
  if (!facts.child) return { child: nhsNumber, known: false, asOf: now.toISOString(), policyVersion: policy.version, totalUsers: 0, sections };
  const readers = new Set<string>();
  for (const c of candidates.rows) {
    const { role, teams } = inferRole(policy.roles, c.teams, c.org_kind ?? undefined);
    if (!role) continue;
    const principal: Principal = { userId: c.id, machine: false, role, teams, orgCode: c.org_code, orgKind: c.org_kind ?? undefined, activities: [], workgroups: teams.map((t) => t.id) };
    // Any purpose but break-glass counts; break-glass counts only for its own holder.
    const ownBreakGlass = facts.breakGlass.find((b) => b.userId === c.id);
    for (const purpose of PURPOSES) {
      if (purpose === 'BTG' && !ownBreakGlass) continue;
      const decisions = decide(principal, { sections: [...SECTIONS], action: 'read', purpose, breakGlassId: ownBreakGlass?.id }, facts, policy, now);
      for (const d of decisions) {
        if (d.decision !== 'permit') continue;
        const entry = sections[d.section];
        const basis = [...new Set(d.basis.map((b) => (b.kind === 'relationship' ? b.type : b.kind)))];
        const existing = entry.users.find((u) => u.user === c.id);
        if (existing) existing.basis = [...new Set([...existing.basis, ...basis])];
        else entry.users.push({ user: c.id, name: c.name, role, basis });
        readers.add(c.id);
      }
    }
  }
  for (const s of Object.values(sections)) {
    for (const u of s.users) for (const b of u.basis) s.byBasis[b] = (s.byBasis[b] ?? 0) + 1;
    s.users.sort((a, b) => a.user.localeCompare(b.user));
  }
  return { child: nhsNumber, known: true, asOf: now.toISOString(), policyVersion: policy.version, totalUsers: readers.size, sections };
}

/**
 * How far a user reaches: the children they could read now, by basis. Every child on which the user
 * (as fed, or as last seen in a token) holds a live basis is decided by decide() itself, for every
 * section and purpose, so reach counts exactly what authorise would permit: a sealed child the user
 * is related to is related, not reached.
 */
import type { Policy } from '../policy/policy.ts';
import type { Principal } from '../identity/principal.ts';
import { principalSubjects } from '../identity/principal.ts';
import { decide } from '../policy/decide.ts';
import { PURPOSES, SECTIONS } from '../policy/vocabulary.ts';
import type { GatherInput, Gathered } from '../facts/gather.ts';
import type { StaffTable } from '../store/tables/staff.ts';
import { NotFound } from '../errors.ts';
import { fedPrincipal, seenPrincipal } from './staff-principals.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from '../ig/audit-query.ts';

export interface ReachDeps {
  policy: { readonly current: Policy };
  staff: Pick<StaffTable, 'fed' | 'seen' | 'childrenReachedBy'>;
  /** Facts of many children for one principal, in as few statements as it takes. */
  gatherMany(inputs: GatherInput[]): Promise<Gathered[]>;
  now(): Date;
  audit: Pick<TrailAppender, 'appendOne'>;
}

const CHUNK = 200;

/** The user's reach; the asking is on the trail (an audit-query event naming the user) before it is returned. */
export async function reachOf(deps: ReachDeps, who: Asker, userId: string) {
  const report = await reachedBy(deps, userId);
  await recordAuditQuery(deps.audit, who, 'reach', { user: userId }, report.children);
  return report;
}

async function reachedBy(deps: ReachDeps, userId: string) {
  const policy = deps.policy.current;
  const now = deps.now();
  const [fed, seen] = await Promise.all([deps.staff.fed(userId), deps.staff.seen(userId)]);
  if (!fed && !seen) throw new NotFound('no user with this id has been fed or seen in a token');
  const principals = [fed && fedPrincipal(fed, policy.roles), seen && seenPrincipal(seen, policy.roles)].filter((p): p is Principal => Boolean(p));
  const since = new Date(now.getTime() - policy.lookbackDays * 86_400_000);
  // child → the bases (relationship types, grant, break-glass) on which some section of it is permitted
  const reached = new Map<string, Set<string>>();
  const related = new Set<string>();
  for (const principal of principals) {
    const subjects = [...principalSubjects(principal)];
    const children = await deps.staff.childrenReachedBy(userId, subjects, now, since);
    for (const c of children) related.add(c);
    for (let i = 0; i < children.length; i += CHUNK) {
      const chunk = children.slice(i, i + CHUNK);
      const gathered = await deps.gatherMany(chunk.map((child) => ({
        child, userId, subjects, workgroups: principal.teams.map((t) => t.id), orgCode: principal.orgCode, now, lookbackDays: policy.lookbackDays,
      })));
      gathered.forEach((g, k) => {
        for (const purpose of PURPOSES) {
          const own = purpose === 'BTG' ? g.facts.breakGlass.filter((b) => b.userId === userId) : [undefined];
          for (const bg of own) {
            for (const d of decide(principal, { sections: [...SECTIONS], action: 'read', purpose, breakGlassId: bg?.id }, g.facts, policy, now)) {
              if (d.decision !== 'permit') continue;
              const bases = reached.get(chunk[k]) ?? new Set<string>();
              for (const b of d.basis) if (b.kind !== 'override') bases.add(b.kind === 'relationship' ? b.type : b.kind);
              reached.set(chunk[k], bases);
            }
          }
        }
      });
    }
  }
  const byBasis: Record<string, number> = {};
  for (const bases of reached.values()) for (const b of bases) byBasis[b] = (byBasis[b] ?? 0) + 1;
  return {
    user: userId,
    role: principals[0]?.role ?? null,
    asOf: now.toISOString(),
    policyVersion: policy.version,
    /** Distinct children with at least one section the user may read now. */
    children: reached.size,
    /** Distinct children on which the user holds some live basis, readable or not. */
    relatedChildren: related.size,
    /** Children per basis: a child reached on two bases counts under each. */
    byBasis,
  };
}

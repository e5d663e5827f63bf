/**
 * A safeguarding lead finds the member of staff to grant by (part of) a name, among the staff of her
 * area(s) only: staff with a team there, or in no team at an organisation there (store/tables/staff.ts
 * `staffOfAreas`). Nobody outside her area is ever listed. The search is a query on people, so it is
 * on the trail (kind audit-query, query `staff-search`, with the text searched), like the IG queries.
 * Names travel in request bodies only (POST), never in URLs that proxies log.
 */
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import type { Queryable } from '../store/store.ts';
import type { TrailAppender } from '../trail/log.ts';
import { InvalidInput } from '../errors.ts';
import { actorOf } from '../trail/actor.ts';
import { inferRole } from '../identity/infer-role.ts';
import { recordAuditQuery } from '../ig/audit-query.ts';
import { staffOfAreas, type AreaStaff } from '../store/tables/staff.ts';
import { leadAreas } from './lead-area.ts';

/** The fewest characters of a name searched for, and the most results one search answers. */
export const MIN_NAME = 2;
export const MAX_RESULTS = 50;
export const DEFAULT_RESULTS = 20;

export interface StaffSearchDeps {
  db: Queryable;
  trail: TrailAppender;
  policy: Policy;
}

/** A member of staff as the search shows them; `role` is the product role their teams or organisation decide, if they do. */
export function staffView(s: AreaStaff, policy: Policy) {
  return {
    id: s.id,
    name: s.name,
    organisation: { code: s.orgCode, name: s.orgName },
    teams: s.teams.map((t) => ({ id: t.id, name: t.name, kind: t.kind, area: t.area })),
    role: inferRole(policy.roles, s.teams, s.orgKind).role ?? null,
  };
}
export type StaffView = ReturnType<typeof staffView>;

export async function searchStaff(deps: StaffSearchDeps, principal: Principal, input: { name: string; limit?: number }, requestId: string) {
  const name = input.name.trim();
  const limit = Math.min(input.limit ?? DEFAULT_RESULTS, MAX_RESULTS);
  if (name.length < MIN_NAME) throw new InvalidInput({ field: 'body.name', message: `must be at least ${MIN_NAME} characters of the name` });
  const areas = leadAreas(principal);
  // One more than asked, to say whether the list was cut.
  const found = areas.length ? await staffOfAreas(deps.db, areas, { name, limit: limit + 1 }) : [];
  const staff = found.slice(0, limit).map((s) => staffView(s, deps.policy));
  await recordAuditQuery(deps.trail, { actor: actorOf(principal), requestId }, 'staff-search', { name, limit }, staff.length);
  return { staff, truncated: found.length > limit, areas };
}

/** The member of staff with this id when she is of the lead's area, else undefined (the console's check of a chosen grantee). */
export async function staffOfLeadArea(deps: Pick<StaffSearchDeps, 'db' | 'policy'>, principal: Principal, userId: string): Promise<StaffView | undefined> {
  const areas = leadAreas(principal);
  const [found] = areas.length ? await staffOfAreas(deps.db, areas, { id: userId, limit: 1 }) : [];
  return found && staffView(found, deps.policy);
}

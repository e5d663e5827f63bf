/**
 * Who sees which break-glass, the list, and one break-glass. IG officers (capability `review`) see
 * every declaration; safeguarding leads (`break-glass-area`) see, read-only, those about children of
 * their area(s) (the review stays IG's). Each call appends its own `audit-query` event before it
 * answers, here rather than in the route, so the API and the console record it alike.
 */
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import type { Queryable } from '../store/store.ts';
import type { TrailAppender } from '../trail/log.ts';
import { NotAllowed, NotFound } from '../errors.ts';
import { leadAreas } from '../grants/lead-area.ts';
import { recordAuditQuery, type Asker } from '../ig/audit-query.ts';
import { listBreakGlass as breakGlassRows, readsUnder } from '../store/tables/break-glass.ts';
import { breakGlassView } from './view.ts';

const DAY = 86_400_000;

/** All break-glass (IG), or those about children of these areas (a lead). */
export type BreakGlassScope = { kind: 'all' } | { kind: 'area'; areas: string[] };

export function breakGlassScope(principal: Principal, policy: Policy): BreakGlassScope {
  if (policy.capability('review', principal.role)) return { kind: 'all' };
  if (policy.capability('break-glass-area', principal.role)) return { kind: 'area', areas: leadAreas(principal) };
  throw new NotAllowed();
}

export interface BreakGlassQuery {
  status?: 'pending-review' | 'reviewed';
  /** Reviewed with 'follow-up', the follow-up still open or closed. */
  followUp?: 'open' | 'closed';
  /** Only pending break-glass older than the policy's reviewOverdueDays. */
  overdue?: 'true';
  from?: string;
  to?: string;
  limit: number;
}

export interface BreakGlassDeps {
  db: Queryable;
  trail: TrailAppender;
  policy: Policy;
  now: Date;
}

const areasOf = (scope: BreakGlassScope) => (scope.kind === 'area' ? scope.areas : null);

/** Newest first (window on startedAt), each with the reads and decisions made under it. */
export async function listBreakGlass(deps: BreakGlassDeps, who: Asker, scope: BreakGlassScope, q: BreakGlassQuery) {
  const days = deps.policy.parameters.breakGlass.reviewOverdueDays;
  const startedBefore = q.overdue === 'true' ? new Date(deps.now.getTime() - days * DAY).toISOString() : undefined;
  const rows = await breakGlassRows(deps.db, { ...q, startedBefore, areas: areasOf(scope) });
  const breakGlass = rows.map((r) => breakGlassView(r, deps.now, days, { reads: r.reads, decisions: r.decisions }));
  await recordAuditQuery(deps.trail, who, 'break-glass', { ...q, ...(scope.kind === 'area' ? { areas: scope.areas } : {}) }, breakGlass.length);
  return breakGlass;
}

/** One break-glass in scope with every section decision asked under it; 404 when unknown or out of scope. */
export async function getBreakGlass(deps: BreakGlassDeps, who: Asker, scope: BreakGlassScope, id: string) {
  const days = deps.policy.parameters.breakGlass.reviewOverdueDays;
  const [row] = await breakGlassRows(deps.db, { id, areas: areasOf(scope), limit: 1 });
  if (!row) throw new NotFound('no break-glass with this id');
  const reads = await readsUnder(deps.db, row);
  await recordAuditQuery(deps.trail, who, 'break-glass-one', { breakGlassId: id }, 1, row.child);
  return {
    ...breakGlassView(row, deps.now, days, { reads: row.reads, decisions: row.decisions }),
    readsUnder: reads.map((e) => ({ auditId: e.id, at: new Date(e.ts).toISOString(), section: e.section, decision: e.decision })),
  };
}

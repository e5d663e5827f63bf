/**
 * Working a case: who may see it, and the audited actions on it (assign, note, close, reopen). Each action
 * is one AuditedChanges unit of work: the case write and its trail event commit together.
 */
import type { Queryable } from '../store/store.ts';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { AuditActor } from '../trail/event.ts';
import type { Principal } from '../identity/principal.ts';
import type { Policy } from '../policy/policy.ts';
import { Conflict, InvalidInput, NotAllowed, NotFound } from '../errors.ts';
import { addNote, caseNotes, getCase, isIgOfficer, listCases, updateCase, type CaseFilters, type CaseRow, type CaseScope } from '../store/tables/monitoring-cases.ts';
import type { TrailAppender } from '../trail/log.ts';
import { recordAuditQuery, type Asker } from '../ig/audit-query.ts';
import { leadAreas } from '../grants/lead-area.ts';

/** Rules a safeguarding lead sees, for children of their area. */
export const LEAD_RULES = ['household', 'break-glass-household'];

/** The cases a principal may see: `monitoring` (IG officers) by organisation and area, `monitoring-area` (leads) by area. */
export function scopeOf(principal: Principal, policy: Policy): CaseScope {
  if (policy.capability('monitoring', principal.role) && principal.orgCode) return { kind: 'org', org: principal.orgCode };
  if (policy.capability('monitoring-area', principal.role)) return { kind: 'area', areas: leadAreas(principal), rules: LEAD_RULES };
  throw new NotAllowed();
}

interface CaseDeps {
  store: Queryable;
  audit: Pick<TrailAppender, 'appendOne'>;
}

/** The queue in the viewer's scope, newest first; the look is on the trail (filters, not the cursor). */
export async function casesInScope(deps: CaseDeps, who: Asker, scope: CaseScope, filters: CaseFilters): Promise<CaseRow[]> {
  const rows = await listCases(deps.store, scope, filters);
  const { after: _after, ...recorded } = filters;
  await recordAuditQuery(deps.audit, who, 'monitoring-cases', recorded, rows.length);
  return rows;
}

/** One case in scope with its evidence and notes (NotFound outside the scope); the look is on the trail, about its child. */
export async function caseInScope(deps: CaseDeps, who: Asker, scope: CaseScope, id: string) {
  const c = await getCase(deps.store, scope, id);
  if (!c) throw new NotFound('no such case');
  await recordAuditQuery(deps.audit, who, 'monitoring-case', { caseId: c.id }, 1, c.child ?? undefined);
  return caseDetail(deps.store, c);
}

export function caseView(c: CaseRow) {
  return {
    id: c.id, rule: c.rule, severity: c.severity, status: c.status, user: c.user_id, child: c.child,
    openedAt: new Date(c.opened_at).toISOString(), explanation: c.explanation, evidence: c.evidence,
  };
}

export async function caseDetail(db: Queryable, c: CaseRow) {
  const notes = await caseNotes(db, c.id);
  return {
    ...caseView(c), day: c.day, assignee: c.assignee, outcome: c.outcome, closedAt: c.closed_at ? new Date(c.closed_at).toISOString() : null,
    // Each evidence event with where its inclusion proof is served.
    proofs: c.evidence.map((id) => ({ auditId: id, href: `/v1/audit/events/${id}` })),
    notes: notes.map((n) => ({ author: n.author, text: n.text, at: new Date(n.at).toISOString() })),
  };
}

export type CaseAction =
  | { action: 'assign'; assignee: string }
  | { action: 'note'; text: string }
  | { action: 'close'; outcome: 'appropriate' | 'inappropriate' | 'referred'; notes?: string }
  | { action: 'reopen' };

/** Applies one action to a case in scope; refuses (changing nothing) a closed case closed again, or reopened when open. */
export async function actOnCase(changes: AuditedChanges, scope: CaseScope, actor: AuditActor, id: string, a: CaseAction, requestId: string): Promise<CaseRow> {
  const { value } = await changes.run(async (change) => {
    const c = await getCase(change.tx, scope, id, true);
    if (!c) throw new NotFound('no such case');
    const author = actor.user ?? 'unknown';
    const update = { status: c.status, assignee: c.assignee, outcome: c.outcome, closedAt: c.closed_at };
    if (a.action === 'assign') {
      if (c.status === 'closed') throw new Conflict('the case is closed: reopen it before assigning it');
      if (!(await isIgOfficer(change.tx, a.assignee))) {
        throw new InvalidInput({ field: 'body.assignee', message: 'must be a member of staff who works as an IG officer' });
      }
      Object.assign(update, { status: 'assigned', assignee: a.assignee });
    } else if (a.action === 'close') {
      if (c.status === 'closed') throw new Conflict('the case is already closed');
      Object.assign(update, { status: 'closed', outcome: a.outcome, closedAt: change.now });
      if (a.notes) await addNote(change.tx, id, author, a.notes, change.now);
    } else if (a.action === 'reopen') {
      if (c.status !== 'closed') throw new Conflict('the case is not closed');
      Object.assign(update, { status: c.assignee ? 'assigned' : 'open', outcome: null, closedAt: null });
    } else {
      await addNote(change.tx, id, author, a.text, change.now);
    }
    if (a.action !== 'note') await updateCase(change.tx, id, update, change.now);
    change.audit({
      kind: 'monitoring-case', actor, ...(c.child ? { child: c.child } : {}), requestId,
      details: { action: a.action, caseId: id, rule: c.rule, ...(a.action === 'assign' ? { assignee: a.assignee } : {}), ...(a.action === 'close' ? { outcome: a.outcome } : {}) },
    });
    return (await getCase(change.tx, scope, id))!;
  });
  return value;
}

/**
 * Privacy monitoring cases (the /v1/monitoring/cases routes): the queue, a case with its evidence and
 * notes, and assign (to me) / note / close. Scope, states and audit are the API's (monitoring/cases.ts
 * and the same audit-query events as src/monitoring/routes.ts); a case outside the user's scope is 404.
 * Filters and ids travel as form fields and opaque case ids, never as a child's identifiers.
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { actOnCase, caseInScope, casesInScope, caseView, scopeOf, type CaseAction } from '../../monitoring/cases.ts';
import { RULES } from '../../monitoring/policy.ts';
import { actorOf } from '../../trail/actor.ts';
import { Conflict, NotAllowed, NotFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { askerOf, field, page, who, type FieldError, type Screen } from '../context.ts';

const OUTCOMES = [
  { value: 'appropriate', text: 'Appropriate', hint: 'The access had a legitimate reason.' },
  { value: 'inappropriate', text: 'Inappropriate', hint: 'The access was not justified.' },
  { value: 'referred', text: 'Referred', hint: 'Passed to HR, the Caldicott Guardian or the police.' },
] as const;
const caseId = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/);
const STATUSES = ['open', 'assigned', 'closed'] as const;

function scope(services: Services, res: Response) {
  const { principal } = who(res);
  return { principal, scope: scopeOf(principal, services.policy.current) };
}

export function monitoringRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();

  async function queue(res: Response, status: string, rule: string) {
    const { scope: s } = scope(services, res);
    const filters = { ...(STATUSES.includes(status as never) ? { status } : {}), ...(RULES.includes(rule as never) ? { rule } : {}), limit: 50 };
    const rows = await casesInScope(services, askerOf(res), s, filters);
    page(views, res, 'monitoring.njk', {
      title: 'Monitoring cases', cases: rows.map(caseView),
      statuses: [{ value: '', text: 'Open and assigned' }, ...STATUSES.map((v) => ({ value: v, text: v, selected: v === status }))],
      rules: [{ value: '', text: 'Any rule' }, ...RULES.map((v) => ({ value: v, text: v, selected: v === rule }))],
    });
  }
  router.get('/monitoring', async (_req, res) => queue(res, '', ''));
  // Filters are POSTed like every other form here (the queue is not bookmarked by filter).
  router.post('/monitoring', async (req, res) => queue(res, field(req, 'status'), field(req, 'rule')));

  async function casePage(res: Response, id: string, errors: FieldError[] = [], values: Record<string, string> = {}, status = 200) {
    const { scope: s } = scope(services, res);
    if (!caseId.safeParse(id).success) throw new NotFound('no such case');
    page(views, res, 'monitoring-case.njk', {
      title: 'Monitoring case', c: await caseInScope(services, askerOf(res), s, id), ig: s.kind === 'org', errors, values,
      outcomes: OUTCOMES.map((o) => ({ value: o.value, text: o.text, hint: { text: o.hint }, checked: values.outcome === o.value })),
    }, status);
  }
  router.get('/monitoring/cases/:id', async (req, res) => casePage(res, req.params.id));

  router.post('/monitoring/cases/:id/:action', async (req, res) => {
    const { principal, scope: s } = scope(services, res);
    const id = req.params.id;
    let action: CaseAction;
    const notes = field(req, 'notes').trim();
    if (req.params.action === 'assign') {
      action = { action: 'assign', assignee: principal.userId };
    } else if (req.params.action === 'note') {
      if (!notes || notes.length > 4000) return casePage(res, id, [{ field: 'notes', message: notes ? 'Notes must be 4,000 characters or fewer' : 'Enter a note' }], { notes }, 400);
      action = { action: 'note', text: notes };
    } else if (req.params.action === 'close') {
      const outcome = field(req, 'outcome');
      if (!OUTCOMES.some((o) => o.value === outcome)) return casePage(res, id, [{ field: 'outcome', message: 'Select the outcome' }], { outcome, closeNotes: field(req, 'closeNotes') }, 400);
      const closeNotes = field(req, 'closeNotes').trim();
      action = { action: 'close', outcome: outcome as (typeof OUTCOMES)[number]['value'], notes: closeNotes ? closeNotes.slice(0, 4000) : undefined };
    } else {
      throw new NotFound('no such action');
    }
    if (action.action !== 'note' && s.kind !== 'org') throw new NotAllowed('only IG officers may assign, close or reopen cases');
    try {
      await actOnCase(services.changes, s, actorOf(principal), id, action, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict) return casePage(res, id, [{ field: 'case', message: err.message }], {}, 409);
      throw err;
    }
    res.redirect(303, `/console/monitoring/cases/${encodeURIComponent(id)}`);
  });
  return router;
}

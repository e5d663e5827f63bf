/**
 * Break-glass (the /v1/break-glass routes). IG officers (capability `review`): the queue, filtered to
 * unreviewed, overdue, open follow-ups, closed follow-ups or reviewed; one break-glass with the reads
 * made under it; the review ("needs follow-up" says what is to be done); closing a follow-up. Safeguarding
 * leads (`break-glass-area`): the same list and page, read-only, for children of their area. Every read and
 * write is the API's use case (scope, audit-query events, one review, separation of duties); links carry
 * the break-glass id only (opaque) and the filter name.
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { breakGlassScope, getBreakGlass, listBreakGlass, type BreakGlassQuery } from '../../break-glass/list.ts';
import { reviewBreakGlass } from '../../break-glass/review.ts';
import { FOLLOW_UP_OUTCOMES, closeBreakGlassFollowUp } from '../../break-glass/follow-up.ts';
import { Conflict, NotFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { askerOf, field, page, requireCapability, who, type FieldError, type Screen } from '../context.ts';

const OUTCOMES = ['appropriate', 'inappropriate', 'follow-up'] as const;
const CLOSE_OUTCOMES = [
  { value: 'appropriate', text: 'Appropriate', hint: 'The follow-up showed the access was justified.' },
  { value: 'inappropriate', text: 'Inappropriate', hint: 'The access was not justified: this starts the inappropriate-access process.' },
  { value: 'referred', text: 'Referred', hint: 'Passed to HR, the Caldicott Guardian or the police.' },
] as const;
const uuid = z.string().uuid();

/** The queue's filters, each the API's list query it stands for. */
const VIEWS: Record<string, { text: string; query: Omit<BreakGlassQuery, 'limit'>; empty: string }> = {
  unreviewed: { text: 'Unreviewed', query: { status: 'pending-review' }, empty: 'No break-glass is waiting for review.' },
  overdue: { text: 'Overdue', query: { overdue: 'true' }, empty: 'No break-glass is overdue for review.' },
  'follow-up': { text: 'Follow-up open', query: { followUp: 'open' }, empty: 'No follow-up is open.' },
  'follow-up-closed': { text: 'Follow-up closed', query: { followUp: 'closed' }, empty: 'No follow-up has been closed.' },
  reviewed: { text: 'Reviewed', query: { status: 'reviewed' }, empty: 'No break-glass has been reviewed.' },
  all: { text: 'All', query: {}, empty: 'There is no break-glass to show.' },
};
const DONE: Record<string, string> = { reviewed: 'Review recorded.', 'follow-up': 'Review recorded: the follow-up is open until it is closed.', closed: 'Follow-up closed.' };

function reader(services: Services, res: Response) {
  const { principal } = who(res);
  const scope = breakGlassScope(principal, services.policy.current);
  const deps = { db: services.store, trail: services.audit, policy: services.policy.current, now: services.now() };
  return { scope, deps, asker: askerOf(res), ig: scope.kind === 'all' };
}

export function breakGlassRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();

  router.get('/break-glass', async (req, res) => {
    const { scope, deps, asker, ig } = reader(services, res);
    const asked = typeof req.query.view === 'string' && req.query.view in VIEWS ? req.query.view : undefined;
    const view = asked ?? (ig ? 'unreviewed' : 'all');
    const queue = await listBreakGlass(deps, asker, scope, { ...VIEWS[view].query, limit: 1000 });
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    page(views, res, 'break-glass.njk', {
      title: ig ? 'Break-glass review' : 'Break-glass in your area', ig, queue, done, empty: VIEWS[view].empty, viewText: VIEWS[view].text,
      filters: Object.entries(VIEWS).map(([key, v]) => ({ href: `/console/break-glass?view=${key}`, text: v.text, current: key === view })),
    });
  });

  async function breakGlassPage(res: Response, id: string, values: Record<string, string> = {}, errors: FieldError[] = [], status = 200) {
    if (!uuid.safeParse(id).success) throw new NotFound('no break-glass with this id');
    const { scope, deps, asker, ig } = reader(services, res);
    const bg = await getBreakGlass(deps, asker, scope, id);
    page(views, res, 'break-glass-review.njk', {
      title: bg.status === 'pending-review' && ig ? 'Review a break-glass' : 'A break-glass', bg, ig, values, errors,
      closeOutcomes: CLOSE_OUTCOMES.map((o) => ({ value: o.value, text: o.text, hint: { text: o.hint }, checked: values.closeOutcome === o.value })),
    }, status);
  }

  router.get('/break-glass/:id', async (req, res) => breakGlassPage(res, req.params.id));

  router.post('/break-glass/:id', async (req, res) => {
    const principal = requireCapability(services, res, 'review');
    const values = { outcome: field(req, 'outcome'), notes: field(req, 'notes').trim(), followUp: field(req, 'followUp').trim() };
    const errors: FieldError[] = [];
    if (!OUTCOMES.includes(values.outcome as never)) errors.push({ field: 'outcome', message: 'Select whether the access was appropriate' });
    if (!values.notes) errors.push({ field: 'notes', message: 'Enter your notes on the review' });
    else if (values.notes.length > 4000) errors.push({ field: 'notes', message: 'Notes must be 4,000 characters or fewer' });
    if (values.outcome === 'follow-up' && !values.followUp) errors.push({ field: 'followUp', message: 'Enter what needs to be done' });
    else if (values.followUp.length > 4000) errors.push({ field: 'followUp', message: 'What needs to be done must be 4,000 characters or fewer' });
    if (errors.length) return breakGlassPage(res, req.params.id, values, errors, 400);
    const outcome = values.outcome as (typeof OUTCOMES)[number];
    try {
      await reviewBreakGlass({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, req.params.id,
        { outcome, notes: values.notes, ...(outcome === 'follow-up' ? { followUp: values.followUp } : {}) }, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict) return page(views, res, 'error.njk', { title: 'Already reviewed', message: err.message }, 409);
      throw err;
    }
    res.redirect(303, `/console/break-glass?done=${outcome === 'follow-up' ? 'follow-up' : 'reviewed'}`);
  });

  router.post('/break-glass/:id/follow-up', async (req, res) => {
    const principal = requireCapability(services, res, 'review');
    const values = { closeOutcome: field(req, 'closeOutcome'), closeNote: field(req, 'closeNote').trim() };
    const errors: FieldError[] = [];
    if (!CLOSE_OUTCOMES.some((o) => o.value === values.closeOutcome)) errors.push({ field: 'closeOutcome', message: 'Select how the follow-up ended' });
    if (!values.closeNote) errors.push({ field: 'closeNote', message: 'Enter a note on the follow-up' });
    else if (values.closeNote.length > 4000) errors.push({ field: 'closeNote', message: 'The note must be 4,000 characters or fewer' });
    if (errors.length) return breakGlassPage(res, req.params.id, values, errors, 400);
    try {
      await closeBreakGlassFollowUp({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, req.params.id,
        { outcome: values.closeOutcome as (typeof FOLLOW_UP_OUTCOMES)[number], note: values.closeNote }, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict) return page(views, res, 'error.njk', { title: 'No open follow-up', message: err.message }, 409);
      throw err;
    }
    res.redirect(303, '/console/break-glass?view=follow-up-closed&done=closed');
  });
  return router;
}

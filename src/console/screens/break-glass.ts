/**
 * Break-glass review (GET /v1/break-glass and POST /v1/break-glass/{id}/review, capability `review`):
 * the queue of declarations waiting for review, oldest overdue first in sight, and the review form.
 * Links carry the break-glass id only (opaque). Reviews go through the API's use case (one review,
 * separation of duties, audited in the same transaction).
 */
import express, { type Response } from 'express';
import { z } from 'zod';
import { listBreakGlass } from '../../break-glass/list.ts';
import { reviewBreakGlass } from '../../break-glass/review.ts';
import { actorOf } from '../../trail/actor.ts';
import { Conflict, NotFound } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const OUTCOMES = [
  { value: 'appropriate', text: 'Appropriate', hint: 'The emergency justified the access.' },
  { value: 'inappropriate', text: 'Inappropriate', hint: 'The access was not justified: this starts the inappropriate-access process.' },
  { value: 'follow-up', text: 'Needs follow-up', hint: 'More information is needed from the user or their manager.' },
] as const;
const uuid = z.string().uuid();
/** The API's queue call as the console makes it. */
const QUEUE = { status: 'pending-review' as const, limit: 1000 };

/** The pending queue, audited exactly as GET /v1/break-glass?status=pending-review&limit=1000 (src/break-glass/routes.ts). */
async function pendingQueue(services: Services, res: Response) {
  const principal = requireCapability(services, res, 'review');
  const days = services.policy.current.parameters.breakGlass.reviewOverdueDays;
  const breakGlass = await listBreakGlass(services.store, QUEUE, services.now(), days);
  await services.audit.appendOne({ kind: 'audit-query', actor: actorOf(principal), requestId: res.locals.requestId as string, details: { query: 'break-glass', filters: QUEUE, results: breakGlass.length } });
  return breakGlass;
}

export function breakGlassRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();
  router.get('/break-glass', async (req, res) => {
    const queue = await pendingQueue(services, res);
    page(views, res, 'break-glass.njk', { title: 'Break-glass review', queue, reviewed: req.query.reviewed === '1' });
  });

  async function reviewPage(res: Response, id: string, values: Record<string, string>, errors: FieldError[] = [], status = 200) {
    if (!uuid.safeParse(id).success) throw new NotFound('no break-glass with this id');
    const bg = (await pendingQueue(services, res)).find((b) => b.id === id);
    if (!bg) throw new NotFound('this break-glass is not waiting for review (already reviewed, or no such break-glass)');
    page(views, res, 'break-glass-review.njk', {
      title: 'Review a break-glass', bg, values, errors,
      outcomes: OUTCOMES.map((o) => ({ value: o.value, text: o.text, hint: { text: o.hint }, checked: values.outcome === o.value })),
    }, status);
  }

  router.get('/break-glass/:id', async (req, res) => reviewPage(res, req.params.id, {}));
  router.post('/break-glass/:id', async (req, res) => {
    const principal = requireCapability(services, res, 'review');
    const values = { outcome: field(req, 'outcome'), notes: field(req, 'notes').trim() };
    const errors: FieldError[] = [];
    if (!OUTCOMES.some((o) => o.value === values.outcome)) errors.push({ field: 'outcome', message: 'Select whether the access was appropriate' });
    if (!values.notes) errors.push({ field: 'notes', message: 'Enter your notes on the review' });
    else if (values.notes.length > 4000) errors.push({ field: 'notes', message: 'Notes must be 4,000 characters or fewer' });
    if (errors.length) return reviewPage(res, req.params.id, values, errors, 400);
    try {
      await reviewBreakGlass({ changes: services.changes, trail: services.audit, policy: services.policy.current }, principal, req.params.id,
        { outcome: values.outcome as (typeof OUTCOMES)[number]['value'], notes: values.notes }, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict) return page(views, res, 'error.njk', { title: 'Already reviewed', message: err.message }, 409);
      throw err;
    }
    res.redirect(303, '/console/break-glass?reviewed=1');
  });
  return router;
}

/**
 * Alert inbox (GET /v1/alerts and POST /v1/alerts/{id}/acknowledge, capability `alerts`): every alert,
 * newest first, audited as the list call is; acknowledging is the API's use case (once, audited).
 */
import express from 'express';
import { z } from 'zod';
import { listAlerts } from '../../alerts/list.ts';
import { acknowledge } from '../../alerts/acknowledge.ts';
import { Conflict, NotFound } from '../../errors.ts';
import { askerOf, field, page, requireCapability, type FieldError, type Screen } from '../context.ts';

const uuid = z.string().uuid();

export function alertRoutes({ services, views }: Screen): express.Router {
  const router = express.Router();

  async function inbox(res: express.Response, errors: FieldError[] = [], status = 200, done = false) {
    requireCapability(services, res, 'alerts');
    const query = { limit: 100 };
    const alerts = await listAlerts(services, askerOf(res), query);
    page(views, res, 'alerts.njk', { title: 'Alerts', alerts, errors, done }, status);
  }
  router.get('/alerts', async (req, res) => inbox(res, [], 200, req.query.done === 'acknowledged'));

  router.post('/alerts/:id/acknowledge', async (req, res) => {
    const principal = requireCapability(services, res, 'alerts');
    const id = req.params.id;
    const note = field(req, 'note').trim();
    if (!uuid.safeParse(id).success) throw new NotFound('no alert with this id');
    if (note.length > 2000) return inbox(res, [{ field: `note-${id}`, message: 'The note must be 2,000 characters or fewer' }], 400);
    try {
      await acknowledge(services.changes, principal, id, note || undefined, res.locals.requestId as string);
    } catch (err) {
      if (err instanceof Conflict) return inbox(res, [{ field: `note-${id}`, message: err.message }], 409);
      throw err;
    }
    res.redirect(303, '/console/alerts?done=acknowledged');
  });
  return router;
}
